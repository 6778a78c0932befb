package kubeconfig

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// ExecInfoEnv is the variable client-go passes to exec plugins.
const ExecInfoEnv = "KUBERNETES_EXEC_INFO"

// Exec credential API versions client-go speaks.
const (
	ExecAPIv1      = "client.authentication.k8s.io/v1"
	ExecAPIv1beta1 = "client.authentication.k8s.io/v1beta1"
)

// ExecInfo is the part of KUBERNETES_EXEC_INFO a plugin needs.
type ExecInfo struct {
	APIVersion string `json:"apiVersion"`
	Spec       struct {
		// Interactive is true when kubectl's stdin is a terminal and the
		// kubeconfig's interactiveMode allows it.
		Interactive bool `json:"interactive"`
	} `json:"spec"`
}

// ParseExecInfo decodes KUBERNETES_EXEC_INFO. An empty value (a person
// running the plugin by hand) gives nil. Unknown API versions are an error
// rather than a guess that kubectl would reject with a vaguer message.
func ParseExecInfo(env string) (*ExecInfo, error) {
	if env == "" {
		return nil, nil
	}
	var ei ExecInfo
	if err := json.Unmarshal([]byte(env), &ei); err != nil {
		return nil, fmt.Errorf("could not decode %s: %w", ExecInfoEnv, err)
	}
	switch ei.APIVersion {
	case ExecAPIv1, ExecAPIv1beta1:
	case "":
		ei.APIVersion = ExecAPIv1
	default:
		return nil, fmt.Errorf("%s has unsupported apiVersion %q (supported: %s, %s)", ExecInfoEnv, ei.APIVersion, ExecAPIv1, ExecAPIv1beta1)
	}
	return &ei, nil
}

type execCredential struct {
	APIVersion string               `json:"apiVersion"`
	Kind       string               `json:"kind"`
	Status     execCredentialStatus `json:"status"`
}

type execCredentialStatus struct {
	ExpirationTimestamp string `json:"expirationTimestamp"`
	Token               string `json:"token"`
}

// WriteExecCredential writes one ExecCredential with the API version kubectl
// asked for (v1 when it did not say). It is written by hand (jsonlite.go):
// the bytes are encoding/json's of execCredential and a newline.
func WriteExecCredential(w io.Writer, apiVersion string, t *TokenSet) error {
	if apiVersion == "" {
		apiVersion = ExecAPIv1
	}
	b := make([]byte, 0, 128+len(t.Token))
	b = append(b, `{"apiVersion":`...)
	b = appendJSONString(b, apiVersion)
	b = append(b, `,"kind":"ExecCredential","status":{"expirationTimestamp":`...)
	b = appendJSONString(b, t.Expiry.UTC().Format(time.RFC3339))
	b = append(b, `,"token":`...)
	b = appendJSONString(b, t.Token)
	b = append(b, "}}\n"...)
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("could not write ExecCredential: %w", err)
	}
	return nil
}

// Exit codes of the plugin, the same as authctl's.
const (
	ExitOK    = 0
	ExitError = 1
	ExitAuth  = 4
)
