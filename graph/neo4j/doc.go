// Package neo4j is the graph store on a Neo4j 5 server, through the Bolt
// driver github.com/neo4j/neo4j-go-driver/v5.
package neo4j
