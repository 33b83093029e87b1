"""Steps of a connect flow that the flow's tests and the providers' tests share."""

from urllib.parse import parse_qs, urlsplit

from integrations.models import OAuthState
from integrations.oauth.flow import BrowserBinding, bind_browser, start_connect
from tests.integrations.hosts import SITE


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def callback_url(provider: str) -> str:
    return f"{SITE}/integrations/oauth/{provider}/callback/"


def begin(*, user, provider: str) -> tuple[OAuthState, BrowserBinding]:
    """Start a flow as the API does, and open Herald's start URL in one browser."""
    start_connect(user=user, provider=provider)
    state = OAuthState.objects.get()
    return state, bind_browser(provider=provider, value=state.state)
