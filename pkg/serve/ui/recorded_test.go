package ui_test

import (
	"encoding/json"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/serve/ui"
)

// TestRecordedFlowsRenderEveryNode renders flows recorded from the real
// Kratos v1.3.1 (testdata/recorded, written by the browser tests with
// AUTHCTL_RECORD_FLOWS) and checks that nothing Kratos sent is lost: every
// input by its name (and value, for hidden ones such as csrf_token), every
// image, text, link and script of Kratos' origin, every label and message.
// The page knows no method, so this holds for any node Kratos adds.
func TestRecordedFlowsRenderEveryNode(t *testing.T) {
	files, _ := filepath.Glob("testdata/recorded/*.json")
	if len(files) == 0 {
		t.Fatal("no recorded flows in testdata/recorded")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var f ui.Flow
			if err := json.Unmarshal(raw, &f); err != nil {
				t.Fatal(err)
			}
			kind := strings.SplitN(name, "-", 2)[0]
			kratos, _ := recordedKratos(t, map[string][]byte{"/self-service/" + kind + "/flows": raw})
			h := newUI(t, ui.Config{KratosPublicURL: kratos.URL, KratosBrowserURL: "https://id.blog.example.com/"})
			rec := get(t, h, "/"+kind+"?flow="+f.ID, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("HTTP %d", rec.Code)
			}
			page := html.UnescapeString(rec.Body.String())
			want := func(what, s string) {
				if s != "" && !strings.Contains(page, s) {
					t.Errorf("%s %q is not on the page", what, s)
				}
			}
			for _, m := range f.UI.Messages {
				want("message", m.Text)
			}
			for _, n := range f.UI.Nodes {
				a := n.Attributes
				if n.Meta.Label != nil {
					want("label", n.Meta.Label.Text)
				}
				for _, m := range n.Messages {
					want("message", m.Text)
				}
				switch n.Type {
				case "input":
					want("input", `name="`+a.Name+`"`)
					if a.InputType == "hidden" {
						if v, ok := a.Value.(string); ok {
							want("hidden value of "+a.Name, `value="`+v+`"`)
						}
					}
				case "img":
					want("image", `src="`+a.Src+`"`)
				case "text":
					want("text", a.Text.Text[:min(len(a.Text.Text), 8)])
				case "a":
					want("link", `href="`+a.Href+`"`)
				case "script":
					want("script", `<script src="`+a.Src+`"`)
				default:
					t.Errorf("recorded a node type the test does not know: %s", n.Type)
				}
			}
		})
	}
}
