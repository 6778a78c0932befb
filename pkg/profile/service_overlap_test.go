package profile

import "testing"

// A prefix covers itself and what lies below it on a segment boundary;
// a service covers another when its hosts, methods and paths include the
// other's.
func TestPathCoversAndServiceCovers(t *testing.T) {
	for _, tc := range []struct {
		p, q string
		want bool
	}{{"/", "/api", true}, {"/api", "/api/v1", true}, {"/api/", "/api", true}, {"/api", "/apis", false}, {"/api/v1", "/api", false}} {
		if got := pathCovers(tc.p, tc.q); got != tc.want {
			t.Errorf("pathCovers(%q, %q) = %v", tc.p, tc.q, got)
		}
	}
	all := Service{Hosts: []string{"a.example.com"}, Paths: []string{"/"}}
	api := Service{Hosts: []string{"a.example.com"}, Paths: []string{"/api"}}
	other := Service{Hosts: []string{"b.example.com"}, Paths: []string{"/api"}}
	if !covers(all, api) || covers(api, all) || covers(all, other) {
		t.Errorf("covers: all⊇api %v, api⊇all %v, all⊇other %v", covers(all, api), covers(api, all), covers(all, other))
	}
	if !overlaps(all, api) || overlaps(api, other) {
		t.Errorf("overlaps: all/api %v, api/other %v", overlaps(all, api), overlaps(api, other))
	}
}
