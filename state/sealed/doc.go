// Package sealed keeps the secrets of source configurations and alert
// receivers encrypted at rest, above any state backend: Wrap returns a
// depc.StateStore whose source methods seal every value at a plugin's
// SecretKeys with AES-256-GCM on the way in and open it on the way out, and
// whose alert receiver methods (and delivery claims) do the same with a
// webhook's secret. The backends store the
// configuration as they always did, an opaque JSON document; what they
// hold at a secret's place is a string "depc-sealed:v1:<key id>:<base64>".
// Nothing else of depc reads sources but through this store, so no part of
// it sees a sealed value or reads a secret from the database in clear.
//
// The key (32 bytes, base64) comes from DEPC_SECRET_KEY (secret_key), or
// from the key file data_dir/secret.key, created with mode 0600 at first
// start; a key file readable by others is refused. A keyring holds one or
// more keys: the first seals, all open; each sealed value names its key,
// so a key that does not belong to the store's data is seen at once.
//
// Rows from before encryption (plain values) still load; Reseal rewrites
// them sealed, and is run at every server start. `depc secrets rotate`
// seals everything again under a new key (Reseal with all).
//
// Why above the stores: sealing is the same for every backend, needs the
// plugins' SecretKeys (which the backends do not know), and the backends
// stay simple.
package sealed
