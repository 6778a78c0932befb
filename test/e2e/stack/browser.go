package stack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"time"

	kcfg "github.com/authctl/authctl/pkg/kubeconfig"
	"github.com/authctl/authctl/pkg/kubeconfig/login"
)

// Environment of the scripted browser (the test binary re-executed).
const (
	// BrowserEnv is "1" to browse, "abandon" to never finish the login.
	BrowserEnv = "AUTHCTL_KC_BROWSER"
	// BrowserEmailEnv and BrowserPasswordEnv are the person's login.
	BrowserEmailEnv    = "AUTHCTL_KC_EMAIL"
	BrowserPasswordEnv = "AUTHCTL_KC_PASSWORD"
	// BrowserKratosEnv is Kratos' public URL, BrowserHydraEnv Hydra's
	// admin URL (for the consent the UI accepts), BrowserCAEnv a PEM file
	// the browser trusts.
	BrowserKratosEnv = "AUTHCTL_KC_KRATOS_PUBLIC"
	BrowserHydraEnv  = "AUTHCTL_KC_HYDRA_ADMIN"
	BrowserCAEnv     = "AUTHCTL_KC_CA"
	// BrowserLaunchLog gets one line per launch.
	BrowserLaunchLog = "AUTHCTL_KC_LAUNCH_LOG"
	// BrowserUIHost is the self-service UI's host, which the browser plays.
	BrowserUIHost = "AUTHCTL_KC_UI_HOST"
	// BrowserPageLog, when set, is a file that gets the page the plugin's
	// loopback callback answered with.
	BrowserPageLog = "AUTHCTL_KC_PAGE_LOG"
)

// RunBrowserIfAsked turns a test binary into the scripted browser when
// kubectl's exec plugin launches it with --browser-command (call it from
// the test package's init): it browses the URL in its last argument and
// exits. Without BrowserEnv it returns at once.
//
// The browser plays the self-service UI (a Node app the harness cannot
// run), honestly and only it (without BrowserKratosEnv, Hydra alone as in
// bench/, it plays a login app that accepts the login for BrowserEmailEnv
// and puts the email in the ID token): on the UI's /login it starts Kratos' real
// browser login flow with the login_challenge and submits the password
// form; on /consent it accepts the consent as the UI does, granting the
// requested scopes and adding no claims. Everything else is a real HTTP
// redirect followed with a cookie jar.
func RunBrowserIfAsked() {
	if os.Getenv(BrowserEnv) == "abandon" {
		// A person who never finishes the login: the tab stays open.
		if f, err := os.OpenFile(os.Getenv(BrowserLaunchLog), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			fmt.Fprintf(f, "%s abandoned\n", time.Now().Format(time.RFC3339Nano))
			f.Close()
		}
		os.Exit(0)
	}
	if os.Getenv(BrowserEnv) != "1" || len(os.Args) < 2 {
		return
	}
	if err := Browse(os.Args[len(os.Args)-1]); err != nil {
		fmt.Fprintf(os.Stderr, "scripted browser: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Browse follows start to the plugin's loopback callback.
func Browse(start string) error {
	if f, err := os.OpenFile(os.Getenv(BrowserLaunchLog), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		fmt.Fprintf(f, "%s %s\n", time.Now().Format(time.RFC3339Nano), os.Getenv(BrowserEmailEnv))
		f.Close()
	}
	ca, err := os.ReadFile(os.Getenv(BrowserCAEnv))
	if err != nil {
		return err
	}
	hc, err := browserClient(ca)
	if err != nil {
		return err
	}
	kratos := strings.TrimSuffix(os.Getenv(BrowserKratosEnv), "/")
	hydraAdmin := strings.TrimSuffix(os.Getenv(BrowserHydraEnv), "/")
	uiHost := os.Getenv(BrowserUIHost)
	next := start
	for i := 0; i < 30; i++ {
		u, err := url.Parse(next)
		if err != nil {
			return err
		}
		if u.Host == uiHost {
			switch u.Path {
			case "/login":
				if kratos == "" {
					// No Kratos (Hydra alone, as in bench/): a login app
					// that takes the person's word for who they are.
					if next, err = acceptLogin(hc, hydraAdmin, u.Query().Get("login_challenge"), os.Getenv(BrowserEmailEnv)); err != nil {
						return err
					}
					continue
				}
				// The UI's login page: start Kratos' browser flow with the
				// challenge (Kratos redirects back to the UI with ?flow=).
				if ch := u.Query().Get("login_challenge"); ch != "" {
					next = kratos + "/self-service/login/browser?login_challenge=" + url.QueryEscape(ch)
					continue
				}
				flow := u.Query().Get("flow")
				if next, err = kratosPassword(hc, kratos, flow); err != nil {
					return err
				}
				continue
			case "/consent":
				// Without Kratos no token hook adds the email claim: the
				// consent puts it in the ID token, as a login app would.
				var idToken map[string]any
				if kratos == "" {
					idToken = map[string]any{"email": os.Getenv(BrowserEmailEnv)}
				}
				if next, err = acceptConsent(hc, hydraAdmin, u.Query().Get("consent_challenge"), idToken); err != nil {
					return err
				}
				continue
			default:
				return fmt.Errorf("unexpected UI page %s", u.Path)
			}
		}
		resp, err := hc.Get(next)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			ref, _ := url.Parse(next)
			l, _ := ref.Parse(loc)
			next = l.String()
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: HTTP %d: %s", u.Redacted(), resp.StatusCode, body)
		}
		// The plugin's loopback listener got the code: on its own path, or
		// on kubelogin's redirect URI (localhost, no path) after a migration.
		if (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost") && (u.Path == kcfg.CallbackPath || u.Query().Has("code")) {
			if p := os.Getenv(BrowserPageLog); p != "" {
				_ = os.WriteFile(p, body, 0o600)
			}
			return nil
		}
		return fmt.Errorf("stopped at %s (HTTP 200) before the callback", u.Redacted())
	}
	return fmt.Errorf("too many redirects")
}

func browserClient(ca []byte) (*http.Client, error) {
	base, err := login.HTTPClient(&kcfg.Options{CAData: ca})
	if err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar: jar, Transport: base.Transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// kratosPassword submits the password method of a Kratos browser login
// flow, as the UI's form would, and returns where Kratos redirects.
func kratosPassword(hc *http.Client, kratos, flow string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, kratos+"/self-service/login/flows?id="+url.QueryEscape(flow), nil)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	var f struct {
		UI struct {
			Action string `json:"action"`
			Nodes  []struct {
				Attributes struct {
					Name  string `json:"name"`
					Value any    `json:"value"`
				} `json:"attributes"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	err = json.NewDecoder(resp.Body).Decode(&f)
	resp.Body.Close()
	if err != nil {
		return "", fmt.Errorf("decoding the login flow: %w", err)
	}
	csrf := ""
	for _, n := range f.UI.Nodes {
		if n.Attributes.Name == "csrf_token" {
			csrf, _ = n.Attributes.Value.(string)
		}
	}
	form := url.Values{"method": {"password"}, "identifier": {os.Getenv(BrowserEmailEnv)}, "password": {os.Getenv(BrowserPasswordEnv)}, "csrf_token": {csrf}}
	req, _ = http.NewRequest(http.MethodPost, f.UI.Action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err = hc.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		return "", fmt.Errorf("kratos login: HTTP %d: %s", resp.StatusCode, body)
	}
	return loc, nil
}

// acceptLogin accepts a login challenge for subject through Hydra's admin
// API (REFERENCE §2), as a login app would, and returns where to go next.
func acceptLogin(hc *http.Client, hydraAdmin, challenge, subject string) (string, error) {
	body, _ := json.Marshal(map[string]any{"subject": subject})
	return acceptChallenge(hc, hydraAdmin+"/admin/oauth2/auth/requests/login/accept?login_challenge="+url.QueryEscape(challenge), body)
}

// acceptConsent accepts a consent challenge like the self-service UI:
// the requested scopes and audience, and idToken's claims (the UI adds
// none; nil).
func acceptConsent(hc *http.Client, hydraAdmin, challenge string, idToken map[string]any) (string, error) {
	q := "?consent_challenge=" + url.QueryEscape(challenge)
	resp, err := hc.Get(hydraAdmin + "/admin/oauth2/auth/requests/consent" + q)
	if err != nil {
		return "", err
	}
	var cr struct {
		RequestedScope    []string `json:"requested_scope"`
		RequestedAudience []string `json:"requested_access_token_audience"`
	}
	err = json.NewDecoder(resp.Body).Decode(&cr)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	accept := map[string]any{"grant_scope": cr.RequestedScope, "grant_access_token_audience": cr.RequestedAudience}
	if idToken != nil {
		accept["session"] = map[string]any{"id_token": idToken}
	}
	body, _ := json.Marshal(accept)
	return acceptChallenge(hc, hydraAdmin+"/admin/oauth2/auth/requests/consent/accept"+q, body)
}

// acceptChallenge PUTs an accept body and returns Hydra's redirect_to.
func acceptChallenge(hc *http.Client, u string, body []byte) (string, error) {
	req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || out.RedirectTo == "" {
		return "", fmt.Errorf("accept %s: HTTP %d %v", strings.SplitN(u, "?", 2)[0], resp.StatusCode, err)
	}
	return out.RedirectTo, nil
}
