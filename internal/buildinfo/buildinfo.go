// Package buildinfo works out which authctl is running: the release
// version goreleaser stamps through -ldflags, or else what the Go toolchain
// embeds in every module-aware build (the module version of `go install
// …@vX`, and the VCS revision, time and dirty flag of a build in a clone).
package buildinfo

import (
	"runtime/debug"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Info describes one build.
type Info struct {
	// Version is the release version ("v1.4.0"), or "dev".
	Version string
	// Commit is the VCS revision, or "none" when the build carries none.
	Commit string
	// Date is the commit or build time (RFC 3339), or "unknown".
	Date string
	// Modified reports a build from a work tree with uncommitted changes.
	Modified bool
}

// Resolve combines the -ldflags values (empty, "dev", "none" and "unknown"
// count as unset) with the toolchain's build information, which may be nil.
func Resolve(version, commit, date string, bi *debug.BuildInfo) Info {
	info := Info{Version: "dev", Commit: "none", Date: "unknown"}
	if version != "" && version != "dev" {
		info.Version = version
	}
	if commit != "" && commit != "none" {
		info.Commit = commit
	}
	if date != "" && date != "unknown" {
		info.Date = date
	}
	if bi == nil {
		return info
	}
	if info.Version == "dev" && isRelease(bi.Main.Version) {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "none" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "unknown" {
				info.Date = s.Value
			}
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// Current is the running binary's Info.
func Current(version, commit, date string) Info {
	bi, _ := debug.ReadBuildInfo()
	return Resolve(version, commit, date, bi)
}

// isRelease reports whether a module version names a tagged release: not
// "(devel)", not a pseudo-version and not a +dirty build of a clone.
func isRelease(v string) bool {
	if v == "" || v == "(devel)" || strings.Contains(v, "+") {
		return false
	}
	sv, err := semver.NewVersion(v)
	if err != nil {
		return false
	}
	// Pseudo-versions: vX.Y.Z-[0.]yyyymmddhhmmss-abcdefabcdef.
	pre := sv.Prerelease()
	if i := strings.LastIndexByte(pre, '-'); i >= 0 && len(pre)-i-1 == 12 {
		return false
	}
	return true
}

// ShortCommit is the first 12 characters of the commit, or "none".
func (i Info) ShortCommit() string {
	if len(i.Commit) > 12 {
		return i.Commit[:12]
	}
	return i.Commit
}

// ChartVersion is a SemVer 2 version for rendered Helm charts, which Helm's
// loader requires: the release version without its "v", or
// 0.0.0-dev+<commit>[.dirty] for any other build.
func (i Info) ChartVersion() string {
	if sv, err := semver.StrictNewVersion(strings.TrimPrefix(i.Version, "v")); err == nil {
		return sv.String()
	}
	v := "0.0.0-dev"
	var meta []string
	if c := i.ShortCommit(); c != "none" && c != "" {
		meta = append(meta, sanitizeMeta(c))
	}
	if i.Modified {
		meta = append(meta, "dirty")
	}
	if len(meta) > 0 {
		v += "+" + strings.Join(meta, ".")
	}
	return v
}

// sanitizeMeta keeps only the characters SemVer allows in build metadata.
func sanitizeMeta(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' {
			return r
		}
		return '-'
	}, s)
}
