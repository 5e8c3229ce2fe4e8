package sqlite

// Migrations returns the schema changes, for tests that build an old
// database.
func Migrations() []string { return migrations }
