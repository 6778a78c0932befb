package buildinfo

import (
	"runtime/debug"
	"testing"

	"github.com/Masterminds/semver/v3"
)

func vcs(rev, time, modified string) []debug.BuildSetting {
	return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: time}, {Key: "vcs.modified", Value: modified}}
}

func TestResolveAndChartVersion(t *testing.T) {
	const rev = "0e2c9b7a1b2c3d4e5f60718293a4b5c6d7e8f901"
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
		chart                 string
	}{
		{"goreleaser", "1.4.0", "abc", "2026-11-01T00:00:00Z", nil, Info{"1.4.0", "abc", "2026-11-01T00:00:00Z", false}, "1.4.0"},
		{"tag with v", "v1.4.0", "", "", nil, Info{"v1.4.0", "none", "unknown", false}, "1.4.0"},
		{"go run: nothing embedded", "dev", "none", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, Info{"dev", "none", "unknown", false}, "0.0.0-dev"},
		{"go build in a clone", "dev", "none", "unknown",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261129184923-0e2c9b7a1b2c+dirty"}, Settings: vcs(rev, "2026-11-29T18:49:23Z", "true")},
			Info{"dev", rev, "2026-11-29T18:49:23Z", true}, "0.0.0-dev+0e2c9b7a1b2c.dirty"},
		{"clean build in a clone", "dev", "none", "unknown",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261129184923-0e2c9b7a1b2c"}, Settings: vcs(rev, "2026-11-29T18:49:23Z", "false")},
			Info{"dev", rev, "2026-11-29T18:49:23Z", false}, "0.0.0-dev+0e2c9b7a1b2c"},
		{"go install module@v1.5.0", "dev", "none", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "v1.5.0"}}, Info{"v1.5.0", "none", "unknown", false}, "1.5.0"},
		{"ldflags win over the toolchain", "1.6.0", "feed", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.5.0"}, Settings: vcs(rev, "t", "false")}, Info{"1.6.0", "feed", "t", false}, "1.6.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Resolve(tt.version, tt.commit, tt.date, tt.bi)
			if got != tt.want {
				t.Fatalf("Resolve = %+v, want %+v", got, tt.want)
			}
			cv := got.ChartVersion()
			if cv != tt.chart {
				t.Errorf("ChartVersion = %q, want %q", cv, tt.chart)
			}
			if _, err := semver.StrictNewVersion(cv); err != nil {
				t.Errorf("ChartVersion %q is not SemVer 2: %v", cv, err)
			}
		})
	}
}
