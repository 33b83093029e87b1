"""The sandbox's views: one module per emulated platform, its API and its OAuth.

``oauth`` holds the consent pages and grants they share, ``shared`` what else they do
alike, ``pages`` the HTML pages of what the sandbox received.
"""
