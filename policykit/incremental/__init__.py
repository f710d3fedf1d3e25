"""Building only what changed: the keys, the manifest, the stat cache, shards, the write stage."""
