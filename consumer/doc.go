// Package consumer decodes and validates ingestion messages (shared by
// Kafka and HTTP) and consumes team topics from Kafka.
package consumer
