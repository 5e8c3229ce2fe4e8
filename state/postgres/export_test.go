package postgres

// Migrations returns the schema changes, for tests that build an old
// schema.
func Migrations() []string {
	ms, err := migrations()
	if err != nil {
		panic(err)
	}
	return ms
}
