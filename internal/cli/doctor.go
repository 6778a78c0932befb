package cli

import (
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authctl/authctl/pkg/capool"
	"github.com/authctl/authctl/pkg/doctor"
	"github.com/authctl/authctl/pkg/profile"
)

// DoctorOptions are the flags of `authctl doctor`.
type DoctorOptions struct {
	ProfileFile string
	Endpoints   doctor.Endpoints
	Issuer      string
	CAFile      string
	Insecure    bool
	Timeout     time.Duration
	// TLSFailWithin and TLSWarnWithin are the certificate expiry thresholds.
	TLSFailWithin, TLSWarnWithin time.Duration
	Output                       string
	// Cluster holds --kubeconfig and --context: when either is given,
	// doctor port-forwards every Service whose URL was not given.
	Cluster ApplyOptions
}

// forwards reports whether doctor port-forwards the Services itself.
func (o *DoctorOptions) forwards() bool { return o.Cluster.Kubeconfig != "" || o.Cluster.Context != "" }

// Validate checks flag combinations.
func (o *DoctorOptions) Validate() error {
	if o.ProfileFile == "" {
		return flagErrorf("required flag -f/--filename is missing")
	}
	if err := checkOutput(o.Output, outputText); err != nil {
		return err
	}
	if o.Timeout <= 0 {
		return flagErrorf("--request-timeout must be positive")
	}
	return nil
}

// doctorEnv maps doctor's flags to their environment variables, for CI and
// port-forward scripts; a flag on the command line wins. The admin URL
// names are the ones bootstrap reads (and Ory's own CLIs).
var doctorEnv = map[string]string{
	"kratos-public-url":  "KRATOS_PUBLIC_URL",
	"kratos-admin-url":   "KRATOS_ADMIN_URL",
	"hydra-public-url":   "HYDRA_PUBLIC_URL",
	"hydra-admin-url":    "HYDRA_ADMIN_URL",
	"oathkeeper-api-url": "OATHKEEPER_API_URL",
}

// applyEnv sets each flag not given on the command line from its
// environment variable, when that is set.
func applyEnv(cmd *cobra.Command, env map[string]string) error {
	for flag, name := range env {
		v, ok := os.LookupEnv(name)
		if !ok || cmd.Flags().Changed(flag) {
			continue
		}
		if err := cmd.Flags().Set(flag, v); err != nil {
			return flagErrorf("%s: %v", name, err)
		}
	}
	return nil
}

func newDoctorCommand(factory *Factory, runF func(*DoctorOptions) error) *cobra.Command {
	streams := factory.IOStreams
	o := &DoctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor -f PROFILE [--kratos-public-url URL …]",
		Short: "Check a live stack against its profile",
		Long: `Doctor checks a running stack: the health of Kratos, Hydra and Oathkeeper,
OIDC discovery and JWKS, that the issuer matches the profile, clock skew
against Hydra's Date header, the kubectl client's redirect URIs, that
Oathkeeper denies each protected host without a session (401 or 302), the
cookie domain against the hosts, and TLS certificate expiry. It warns about
the profile's dead ends (kubectl accepts only verified emails and there is
no courier; registration is off while SSO is on), and with a cluster
connection checks that each Secret you must create exists with the keys the
stack reads (secret/NAME), the fix being the kubectl line that creates it.

Public APIs default to the profile's public URLs and admin APIs to their
in-cluster URLs. From a laptop, give --kubeconfig or --context: doctor then
port-forwards the public and admin Services itself (as apply --bootstrap
does) and checks through the forwards. Or port-forward them yourself and
pass the URLs, or set KRATOS_PUBLIC_URL, KRATOS_ADMIN_URL, HYDRA_PUBLIC_URL,
HYDRA_ADMIN_URL and OATHKEEPER_API_URL; a URL given wins over a forward.
Each check prints ✔ or ✘ and, on failure, a one-line fix. The exit code is 1
when any check fails; warnings do not fail.`,
		Example: `  authctl doctor -f profile.yaml --context my-cluster
  kubectl -n auth port-forward svc/dev-hydra-admin 4445 &
  authctl doctor -f profile.yaml --hydra-admin-url http://127.0.0.1:4445/ -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd, doctorEnv); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			o.Cluster.factory = factory
			return runDoctor(cmd, streams, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.ProfileFile, "filename", "f", "", "profile file")
	f.StringVar(&o.Cluster.Kubeconfig, "kubeconfig", "", "port-forward the Services through this kubeconfig (default for --context: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&o.Cluster.Context, "context", "", "port-forward the Services through this kubeconfig context")
	f.StringVar(&o.Endpoints.KratosPublic, "kratos-public-url", "", "Kratos public API (default: the profile's public URL)")
	f.StringVar(&o.Endpoints.KratosAdmin, "kratos-admin-url", "", "Kratos admin API (default: the in-cluster URL)")
	f.StringVar(&o.Endpoints.HydraPublic, "hydra-public-url", "", "Hydra public API (default: the issuer URL)")
	f.StringVar(&o.Endpoints.HydraAdmin, "hydra-admin-url", "", "Hydra admin API (default: the in-cluster URL)")
	f.StringVar(&o.Endpoints.OathkeeperAPI, "oathkeeper-api-url", "", "Oathkeeper API (default: the in-cluster URL)")
	f.StringVar(&o.Issuer, "issuer", "", "issuer Hydra must report (default: the profile's issuer URL)")
	addCAFlag(f, &o.CAFile, "PEM CA bundle trusted for https endpoints, in addition to the system roots")
	f.BoolVar(&o.Insecure, "insecure-skip-tls-verify", false, "do not verify https certificates (expiry is still checked)")
	f.DurationVar(&o.Timeout, "request-timeout", 5*time.Second, "deadline of one request")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Second, "deadline of one request")
	_ = f.MarkDeprecated("timeout", "use --request-timeout (on other commands --timeout bounds a whole run)")
	f.DurationVar(&o.TLSFailWithin, "tls-fail-within", 7*24*time.Hour, "fail when a certificate expires within this duration")
	f.DurationVar(&o.TLSWarnWithin, "tls-warn-within", 21*24*time.Hour, "warn when a certificate expires within this duration")
	addOutputFlag(cmd, &o.Output, outputText)
	return cmd
}

func runDoctor(cmd *cobra.Command, streams IOStreams, o *DoctorOptions) error {
	var p *profile.Profile
	var tc *tls.Config
	return o.Cluster.world(streams).runWithCluster(func() (*clusterNeed, error) {
		var err error
		if p, err = profile.Load(o.ProfileFile); err != nil {
			return nil, err
		}
		if tc, err = doctorTLS(o); err != nil {
			return nil, err
		}
		// A test's forwarder with no cluster of its factory looks up no
		// Secret and needs no connection.
		if !o.forwards() || (o.Cluster.Forwarder != nil && o.Cluster.world(streams).Cluster == nil) {
			return nil, nil
		}
		return &clusterNeed{o.Cluster.Kubeconfig, o.Cluster.Context, ""}, nil
	}, func(conn Cluster) error {
		g := doctor.Diagnose{Options: doctor.Options{Profile: p, Endpoints: o.Endpoints, Issuer: o.Issuer, TLSConfig: tc, Timeout: o.Timeout,
			TLSFailWithin: o.TLSFailWithin, TLSWarnWithin: o.TLSWarnWithin, Kubeconfig: o.Cluster.Kubeconfig, Context: o.Cluster.Context}, Log: streams.ErrOut}
		if conn != nil {
			g.Secrets = conn
		}
		var err error
		if o.forwards() {
			// The test's forwarder, or the connection's.
			if g.Forwarder = o.Cluster.Forwarder; g.Forwarder == nil {
				g.Forwarder, err = conn.Forwarder(streams.ErrOut)
			}
		}
		report := doctor.Report{}
		if err == nil {
			report, err = g.Run(cmd.Context())
		}
		if err != nil {
			return withHint(fmt.Errorf("could not port-forward the stack's Services: %w", err), forwardHint(err, o.Cluster.Kubeconfig, o.Cluster.Context, p.Wiring().Namespace))
		}
		return printDoctor(streams, o.Output, report)
	})
}

// printDoctor prints the report as o.Output asks; any failed check is an
// error (exit 1).
func printDoctor(streams IOStreams, output string, report doctor.Report) error {
	if isDataFormat(output) {
		if err := printData(streams.Out, output, report); err != nil {
			return err
		}
	} else {
		printDoctorReport(streams.Out, report, streams.ColorStdout())
	}
	if report.Failed > 0 {
		err := withCode(fmt.Errorf("%d of %d checks failed", report.Failed, len(report.Checks)), ExitError)
		if isDataFormat(output) {
			return reported(err) // the report on stdout says which
		}
		return err
	}
	return nil
}

// forwardHint is the try: line when doctor could not forward: a context
// the kubeconfig lacks is listed with get-contexts; otherwise the pods
// are what to look at, through the same kubeconfig and context.
func forwardHint(err error, kubeconfig, context, namespace string) string {
	if msg := err.Error(); strings.Contains(msg, "context") && strings.Contains(msg, "does not exist") {
		return doctor.Kubectl(kubeconfig, "", "") + " config get-contexts (then pass one of them with --context)"
	}
	return doctor.Kubectl(kubeconfig, context, namespace) + " get pods (authctl apply --wait waits until they are ready)"
}

func doctorTLS(o *DoctorOptions) (*tls.Config, error) {
	f := capool.Flags{FilesFlag: "--ca-file", Insecure: o.Insecure}
	if o.CAFile != "" {
		f.Files = []string{o.CAFile}
	}
	return f.TLSConfig()
}

// doctorMarks are the status symbols and their ANSI colours.
var doctorMarks = map[doctor.Status]struct{ mark, color string }{
	doctor.Pass: {"✔", "32"}, doctor.Fail: {"✘", "31"}, doctor.Warn: {"!", "33"}, doctor.Skip: {"-", "2"},
}

func printDoctorReport(w io.Writer, r doctor.Report, color bool) {
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range r.Checks {
		m := doctorMarks[c.Status]
		mark := m.mark
		if color {
			mark = "\x1b[" + m.color + "m" + mark + "\x1b[0m"
		}
		fmt.Fprintf(w, "%s %-*s  %s\n", mark, width, c.Name, c.Message)
		if c.Fix != "" {
			fmt.Fprintf(w, "  %*s  fix: %s\n", width, "", c.Fix)
		}
	}
}
