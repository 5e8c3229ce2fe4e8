package sealed

import (
	"context"

	"github.com/depc-dev/depc"
)

// The admin's shared sources hold secrets as a team's sources do: sealed
// the same way, and resealed with them (Reseal).

// CreateSharedSource creates a catalog entry with its secrets sealed.
func (s *Store) CreateSharedSource(ctx context.Context, e depc.SharedSource) (depc.SharedSource, error) {
	sealed, err := s.seal(e.SourceConfig)
	if err != nil {
		return depc.SharedSource{}, err
	}
	e.SourceConfig = sealed
	out, err := s.StateStore.CreateSharedSource(ctx, e)
	if err != nil {
		return depc.SharedSource{}, err
	}
	out.SourceConfig, _, err = s.open(out.SourceConfig)
	return out, err
}

// UpdateSharedSource replaces a catalog entry, its secrets sealed.
func (s *Store) UpdateSharedSource(ctx context.Context, e depc.SharedSource) (depc.SharedSource, error) {
	sealed, err := s.seal(e.SourceConfig)
	if err != nil {
		return depc.SharedSource{}, err
	}
	e.SourceConfig = sealed
	out, err := s.StateStore.UpdateSharedSource(ctx, e)
	if err != nil {
		return depc.SharedSource{}, err
	}
	out.SourceConfig, _, err = s.open(out.SourceConfig)
	return out, err
}

// SharedSource returns a catalog entry with its secrets opened.
func (s *Store) SharedSource(ctx context.Context, name string) (depc.SharedSource, error) {
	e, err := s.StateStore.SharedSource(ctx, name)
	if err != nil {
		return depc.SharedSource{}, err
	}
	e.SourceConfig, _, err = s.open(e.SourceConfig)
	return e, err
}

// SharedSources returns the catalog with its secrets opened.
func (s *Store) SharedSources(ctx context.Context) ([]depc.SharedSource, error) {
	es, err := s.StateStore.SharedSources(ctx)
	if err != nil {
		return nil, err
	}
	for i := range es {
		if es[i].SourceConfig, _, err = s.open(es[i].SourceConfig); err != nil {
			return nil, err
		}
	}
	return es, nil
}

// planShared reads the catalog for Reseal: the entries to write again.
func (s *Store) planShared(ctx context.Context, all bool, rep *Report) ([]depc.SharedSource, error) {
	es, err := s.StateStore.SharedSources(ctx)
	if err != nil {
		return nil, err
	}
	var work []depc.SharedSource
	for _, e := range es {
		rep.Sources++
		opened, st, err := s.open(e.SourceConfig)
		if err != nil {
			return nil, err
		}
		if st.plain > 0 || (all && st.oldKey > 0) {
			rep.Plain += st.plain
			e.SourceConfig = opened
			work = append(work, e)
		}
	}
	return work, nil
}

// writeShared writes again what planShared found.
func (s *Store) writeShared(ctx context.Context, work []depc.SharedSource, rep *Report) error {
	for _, e := range work {
		sealed, err := s.seal(e.SourceConfig)
		if err != nil {
			return err
		}
		e.SourceConfig = sealed
		if _, err := s.StateStore.UpdateSharedSource(ctx, e); err != nil {
			return err
		}
		rep.Resealed++
	}
	return nil
}
