package secrets

import (
	"time"

	"github.com/authctl/authctl/pkg/profile"
)

// RotateFile is the operation behind `authctl secrets rotate`: it loads the
// secrets file, rotates the named secrets (all for none) and saves it.
// Nothing is written when nothing rotated.
func (g Generator) RotateFile(path string, names []string, now time.Time) ([]Rotatable, error) {
	which, err := Select(names)
	if err != nil {
		return nil, err
	}
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	done, err := g.Rotate(f, which, now)
	if err != nil || len(done) == 0 {
		return done, err
	}
	return done, f.Save(path)
}

// PruneFile is the operation behind `authctl secrets prune`: old values
// go once wait(name) has passed since their rotation.
func PruneFile(path string, names []string, wait func(string) time.Duration, now time.Time) ([]Pruned, error) {
	which, err := Select(names)
	if err != nil {
		return nil, err
	}
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	res, err := Prune(f, which, wait, now)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		if r.Removed > 0 {
			return res, f.Save(path)
		}
	}
	return res, nil
}

// Forever is the wait of a secret whose old values may still be needed
// however long ago it rotated (Kratos' cipher: data encrypted with it is
// kept): only an explicit --older-than prunes it.
const Forever = time.Duration(1<<63 - 1)

// PruneWaits is how long each secret's old values stay after a rotation:
// as long as what was made with them can still be presented (a session,
// a refresh token, a reissued token), from the profile's lifespans.
// olderThan > 0 replaces them all.
func PruneWaits(p *profile.Profile, olderThan time.Duration) func(string) time.Duration {
	parse := func(s string, def time.Duration) time.Duration {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			return d
		}
		return def
	}
	session := parse(p.Spec.Kratos.SessionLifespan, 24*time.Hour)
	reissue := time.Duration(0)
	for _, s := range p.Spec.Services {
		reissue = max(reissue, parse(s.Forward.TTL, 5*time.Minute))
	}
	return func(name string) time.Duration {
		if olderThan > 0 {
			return olderThan
		}
		switch name {
		case "kratos-default", "kratos-cookie":
			return session
		case "kratos-cipher":
			return Forever
		case "oathkeeper-jwks":
			// Upstreams cache the JWKS: an hour more than the longest TTL.
			return reissue + time.Hour
		}
		return 24 * time.Hour
	}
}
