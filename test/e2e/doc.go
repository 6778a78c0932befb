// Package e2e holds what the end-to-end tests share: rendering profiles as
// `authctl render` does, turning the rendered config into the real
// servers' config (servers.go), building and running the authctl binaries
// (binary.go), JSON over HTTP, and, with the cluster build tag, applying a
// profile on the real node (cluster.go). The tests themselves live in one
// package per subject: apply (apply, history, rollback, doctor; on the node
// too), bootstrap, gateway (the adversarial suite, the data planes, login
// through Oathkeeper), kubectl (the exec plugin and OIDC login), render
// (fidelity against the real servers and kube-apiserver, profile
// features) and wizard. The harnesses are test/e2e/stack (real servers on
// loopback) and test/e2e/cluster (the single-node cluster).
package e2e
