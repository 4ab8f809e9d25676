"""Object storage: the client, the keys, publishing a bundle and fetching it back."""
