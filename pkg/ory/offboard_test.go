package ory

import (
	"context"
	"strings"
	"testing"
)

// Offboarding without Hydra would leave refresh tokens alive: refused.
func TestOffboardNeedsBothAdminURLs(t *testing.T) {
	for _, o := range []Offboard{{KratosAdminURL: "http://k"}, {HydraAdminURL: "http://h"}} {
		if _, err := o.Run(context.Background(), []string{"a@example.com"}); err == nil || !strings.Contains(err.Error(), "Kratos and the Hydra admin URL") {
			t.Fatalf("err = %v", err)
		}
	}
}
