"""What every Herald admin page shares: the operator's time zone, secret masks, read-only pages
and change lists that take any date in their URL."""
