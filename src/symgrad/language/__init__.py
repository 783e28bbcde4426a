"""Text -> a checked model: a TOML claim file read at the boundary (:mod:`.claimfile`), its
expressions parsed without running anything (:mod:`.expressions`), names, shapes and claims
resolved (:mod:`.build`).  Gives a :class:`.model.Model`, or errors naming file, claim and field."""
