"""The sandbox's views: one module per emulated platform, plus the HTML pages."""
