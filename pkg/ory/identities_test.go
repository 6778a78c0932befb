package ory

import "testing"

// The identity phase's limits: a batch above the server's 2000 and an
// unset one become 2000, plaintext batches never exceed the batch, and a
// key trait may be written with its traits. prefix.
func TestIdentityOptionsDefaults(t *testing.T) {
	o := IdentityOptions{BatchSize: 5000, PlaintextBatchSize: 0, KeyTrait: "traits.email"}
	o.defaults()
	if o.BatchSize != DefaultBatchSize || o.PlaintextBatchSize != DefaultPlaintextBatchSize || o.Concurrency != DefaultConcurrency || o.KeyTrait != "email" {
		t.Errorf("%+v", o)
	}
	o = IdentityOptions{BatchSize: 50, PlaintextBatchSize: 200, Concurrency: 2}
	o.defaults()
	if o.BatchSize != 50 || o.PlaintextBatchSize != 50 || o.Concurrency != 2 {
		t.Errorf("%+v", o)
	}
}
