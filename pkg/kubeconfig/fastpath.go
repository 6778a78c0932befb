package kubeconfig

import (
	"io"
	"time"
)

// FastPath answers a cache hit: it parses the plugin's flags (BindFlags's,
// by parseFastFlags), reads one cache file and writes the ExecCredential.
// It reports false (and writes nothing) for anything else, including flag
// errors, the keyring and none storages, --force-refresh and --log-level
// debug, so the full get-token can handle and report it. It touches no
// network and needs none of the login packages.
func FastPath(args []string, getenv func(string) string, stdout io.Writer, now time.Time) bool {
	o, ok := parseFastFlags(KlogVerbosity(args))
	if !ok {
		return false
	}
	o.Defaults()
	if o.Validate() != nil || o.Storage != StorageDisk || o.ForceRefresh || o.Debug() {
		return false
	}
	ei, err := parseExecInfoLite(getenv(ExecInfoEnv))
	if err != nil {
		return false
	}
	dir := o.CacheDir
	if dir == "" {
		if dir, err = DefaultCacheDir(); err != nil {
			return false
		}
	}
	ts, err := Cache{Dir: dir}.loadLite(o.CacheKey())
	if err != nil || !ts.Valid(now) {
		return false
	}
	apiVersion := ExecAPIv1
	if ei != nil {
		apiVersion = ei.APIVersion
	}
	return WriteExecCredential(stdout, apiVersion, ts) == nil
}
