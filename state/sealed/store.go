package sealed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/depc-dev/depc"
)

// Store is a depc.StateStore whose sources' secrets are sealed in the
// store it wraps. Every other method is the wrapped store's.
type Store struct {
	depc.StateStore
	keys    *Keyring
	plugins depc.SourcePlugins
}

// Wrap returns st with the secrets of sources sealed by keys. plugins name
// the secrets (SecretKeys); the configuration of a source whose plugin is
// not in the list is kept as it is.
func Wrap(st depc.StateStore, keys *Keyring, plugins depc.SourcePlugins) *Store {
	return &Store{StateStore: st, keys: keys, plugins: plugins}
}

// Keys returns the keyring.
func (s *Store) Keys() *Keyring { return s.keys }

// seal returns the configuration with every secret sealed. An empty string
// stays empty, so that readers see there is no secret.
func (s *Store) seal(sc depc.SourceConfig) (depc.SourceConfig, error) {
	p, ok := s.plugins.Lookup(sc.Plugin)
	if !ok {
		return sc, nil
	}
	conf, err := p.MapSecrets(sc.Configuration, func(_ string, v json.RawMessage) (json.RawMessage, error) {
		var str string
		if json.Unmarshal(v, &str) == nil && str == "" {
			return nil, nil
		}
		sealed, err := s.keys.Seal(compact(v))
		if err != nil {
			return nil, depc.WrapError(depc.EINTERNAL, err, "sealing the secrets of source %q", sc.Name)
		}
		return json.Marshal(sealed)
	})
	sc.Configuration = conf
	return sc, err
}

// compact returns a JSON value without insignificant space.
func compact(v json.RawMessage) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return v
	}
	return b.Bytes()
}

// state is what open learnt of a configuration's secrets.
type state struct {
	plain   int // secrets stored in clear (rows from before sealing)
	oldKey  int // secrets sealed with a key other than the current one
	unknown string
}

// open returns the configuration with every sealed secret opened.
func (s *Store) open(sc depc.SourceConfig) (depc.SourceConfig, state, error) {
	var st state
	p, ok := s.plugins.Lookup(sc.Plugin)
	if !ok {
		return sc, st, nil
	}
	current := s.keys.Current()
	conf, err := p.MapSecrets(sc.Configuration, func(path string, v json.RawMessage) (json.RawMessage, error) {
		var str string
		if json.Unmarshal(v, &str) != nil {
			st.plain++
			return nil, nil
		}
		id, ok := IsSealed(str)
		if !ok {
			if str != "" {
				st.plain++
			}
			return nil, nil
		}
		if id != current {
			st.oldKey++
		}
		plain, err := s.keys.Open(str)
		if errors.Is(err, ErrUnknownKey) {
			st.unknown = id
			return nil, depc.WrapError(depc.EINTERNAL, err, "source %q: the secret at %s was sealed with key %s, which this server does not have: every process sharing the state store needs the same DEPC_SECRET_KEY (or data_dir/secret.key)", sc.Name, path, id)
		}
		if err != nil {
			return nil, depc.WrapError(depc.EINTERNAL, err, "source %q: the secret at %s: %v", sc.Name, path, err)
		}
		if !json.Valid(plain) {
			return nil, depc.Errorf(depc.EINTERNAL, "source %q: the secret at %s is not JSON once opened", sc.Name, path)
		}
		return plain, nil
	})
	sc.Configuration = conf
	return sc, st, err
}

// CreateSource creates a source with its secrets sealed.
func (s *Store) CreateSource(ctx context.Context, team string, sc depc.SourceConfig) (depc.SourceConfig, error) {
	sealed, err := s.seal(sc)
	if err != nil {
		return depc.SourceConfig{}, err
	}
	out, err := s.StateStore.CreateSource(ctx, team, sealed)
	if err != nil {
		return depc.SourceConfig{}, err
	}
	out, _, err = s.open(out)
	return out, err
}

// UpdateSource replaces a source, its secrets sealed.
func (s *Store) UpdateSource(ctx context.Context, team string, sc depc.SourceConfig) (depc.SourceConfig, error) {
	sealed, err := s.seal(sc)
	if err != nil {
		return depc.SourceConfig{}, err
	}
	out, err := s.StateStore.UpdateSource(ctx, team, sealed)
	if err != nil {
		return depc.SourceConfig{}, err
	}
	out, _, err = s.open(out)
	return out, err
}

// Source returns a source with its secrets opened.
func (s *Store) Source(ctx context.Context, team, name string) (depc.SourceConfig, error) {
	sc, err := s.StateStore.Source(ctx, team, name)
	if err != nil {
		return depc.SourceConfig{}, err
	}
	sc, _, err = s.open(sc)
	return sc, err
}

// Sources returns the team's sources with their secrets opened.
func (s *Store) Sources(ctx context.Context, team string) ([]depc.SourceConfig, error) {
	scs, err := s.StateStore.Sources(ctx, team)
	if err != nil {
		return nil, err
	}
	for i := range scs {
		if scs[i], _, err = s.open(scs[i]); err != nil {
			return nil, err
		}
	}
	return scs, nil
}

// Report is what Reseal did.
type Report struct {
	// Sources is how many sources were looked at (the shared catalog's
	// too), Resealed how many were written again.
	Sources, Resealed int
	// Receivers and ReceiversResealed are the same for alert receivers.
	Receivers, ReceiversResealed int
	// Plain is how many secrets were in clear (now sealed).
	Plain int
}

// Reseal writes again, sealed with the current key, the sources and alert
// receivers holding a secret in clear (rows from before sealing) and,
// with all, those holding a secret sealed with another key (rotation). A
// secret sealed with a key the keyring does not have stops it with an
// error naming the source or receiver: the keyring is not the one of this store's data, and nothing is
// changed. The first pass reads every source and receiver, so that such
// an error comes before any write.
func (s *Store) Reseal(ctx context.Context, all bool) (Report, error) {
	var rep Report
	// The key file may have a new first key (rotation).
	if err := s.keys.reload(); err != nil {
		return rep, err
	}
	teams, err := s.StateStore.Teams(ctx)
	if err != nil {
		return rep, err
	}
	type todo struct {
		team string
		sc   depc.SourceConfig
	}
	var work []todo
	for _, t := range teams {
		scs, err := s.StateStore.Sources(ctx, t.Name)
		if err != nil {
			return rep, err
		}
		for _, sc := range scs {
			rep.Sources++
			opened, st, err := s.open(sc)
			if err != nil {
				return rep, err
			}
			if st.plain > 0 || (all && st.oldKey > 0) {
				rep.Plain += st.plain
				work = append(work, todo{t.Name, opened})
			}
		}
	}
	receivers, err := s.planReceivers(ctx, teams, all, &rep)
	if err != nil {
		return rep, err
	}
	shared, err := s.planShared(ctx, all, &rep)
	if err != nil {
		return rep, err
	}
	for _, w := range work {
		sealed, err := s.seal(w.sc)
		if err != nil {
			return rep, err
		}
		if _, err := s.StateStore.UpdateSource(ctx, w.team, sealed); err != nil {
			return rep, err
		}
		rep.Resealed++
	}
	if err := s.writeShared(ctx, shared, &rep); err != nil {
		return rep, err
	}
	return rep, s.writeReceivers(ctx, receivers, &rep)
}
