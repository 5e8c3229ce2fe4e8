// Package passhash hashes the tokens people choose — the admin token, set
// in the configuration — so that a copy of the state store does not give
// them away. Random API tokens of 256 bits (depc.NewToken) need no more
// than SHA-256 (depc.HashToken): they cannot be guessed. A chosen token
// can, so its hash is argon2id with a random salt, slow on purpose.
//
// A hash is stored as a PHC string, "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>",
// which carries its parameters: stronger ones later still verify the old
// hashes, and Verify says when one should be replaced. The SHA-256 hashes
// of depc before argon2id ("sha256$<hex>") still verify, and are to be
// replaced at the first success.
//
// The package is separate from the root because it needs
// golang.org/x/crypto, which the domain types have no use for.
package passhash
