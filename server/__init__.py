"""How Herald runs: the serve command, connection pools closed before a fork, the start checks."""
