"""django-q2's task lists, with resubmitting behind the change permission."""

from django.contrib import admin
from django_q import admin as django_q_admin
from django_q.models import Failure, Success

from operator_admin.secrets import SecretLookupsRefusedMixin


@admin.action(description="Resubmit selected tasks to queue", permissions=["change"])
def resubmit_task(modeladmin, request, queryset):
    django_q_admin.resubmit_task(modeladmin, request, queryset)


class SuccessfulTaskAdmin(SecretLookupsRefusedMixin, django_q_admin.TaskAdmin):
    """django-q2's finished tasks. Resubmitting runs a task again: it needs the change permission
    (django-q2's own action asks for none, so anyone who may look could run tasks)."""

    actions = [resubmit_task]


class FailedTaskAdmin(SecretLookupsRefusedMixin, django_q_admin.FailAdmin):
    """django-q2's failed tasks; resubmitting needs the change permission, as above."""

    actions = [resubmit_task]


for task_model, task_admin in ((Success, SuccessfulTaskAdmin), (Failure, FailedTaskAdmin)):
    if admin.site.is_registered(task_model):
        admin.site.unregister(task_model)
    admin.site.register(task_model, task_admin)
