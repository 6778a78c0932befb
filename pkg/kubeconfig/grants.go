package kubeconfig

import (
	"fmt"
	"strings"
)

// Grant types.
const (
	GrantAuthCode          = "authcode"
	GrantClientCredentials = "client-credentials"
	// GrantAuthCodeKeyboard is the authorization code grant for a host
	// without a browser: the redirect goes to a page of the login UI that
	// shows the code, and the person pastes it into the terminal.
	GrantAuthCodeKeyboard = "authcode-keyboard"
)

// PersonGrant reports a grant a person completes in a browser (with the
// terminal's help or not): it has a refresh token and needs a person when
// that fails.
func (o *Options) PersonGrant() bool {
	return o.Grant == GrantAuthCode || o.Grant == GrantAuthCodeKeyboard
}

// ValidateGrant checks --grant-type alone: authctl's grants, and the
// reason for kubelogin's others.
func (o *Options) ValidateGrant() error {
	switch o.Grant {
	case GrantAuthCode, GrantAuthCodeKeyboard, GrantClientCredentials:
		return nil
	case "password":
		return fmt.Errorf("--grant-type password (kubelogin's) is not supported by authctl: a password typed into a terminal skips the login pages' second factor (allowed: %s)", grantList)
	case "device-code":
		return fmt.Errorf("--grant-type device-code (kubelogin's) is not supported by authctl: Hydra v2.3.0 has no device grant; on a host without a browser use --grant-type %s (allowed: %s)", GrantAuthCodeKeyboard, grantList)
	default:
		return fmt.Errorf("unknown --grant-type %q (allowed: %s)", o.Grant, grantList)
	}
}

// ClusterScopePrefix starts the scope that asks for a cluster's token
// (cluster:NAME); ClusterClaim is the id_token claim the token hook puts
// the name in, which each cluster's AuthenticationConfiguration requires.
const (
	ClusterScopePrefix = "cluster:"
	ClusterClaim       = "cluster"
)

// ClusterName reports a valid spec.kubernetes.clusters name: a DNS label.
func ClusterName(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

var grantList = GrantAuthCode + ", " + GrantAuthCodeKeyboard + ", " + GrantClientCredentials
