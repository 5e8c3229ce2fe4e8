package sealed

import (
	"context"
	"errors"

	"github.com/depc-dev/depc"
)

// The secrets of alert receivers (a webhook's HMAC key) are sealed like
// those of sources: the whole Secret is one sealed value.

// sealReceiver returns r with its secret sealed; an empty secret stays
// empty.
func (s *Store) sealReceiver(r depc.AlertReceiver) (depc.AlertReceiver, error) {
	if r.Secret == "" {
		return r, nil
	}
	if _, ok := IsSealed(r.Secret); ok {
		// A value that looks sealed would be opened on the way out as if
		// this store had sealed it.
		return r, depc.Errorf(depc.EINVALID, "secret: must not start with %q", Prefix)
	}
	sealed, err := s.keys.Seal([]byte(r.Secret))
	if err != nil {
		return r, depc.WrapError(depc.EINTERNAL, err, "sealing the secret of alert receiver %q", r.Name)
	}
	r.Secret = sealed
	return r, nil
}

// openReceiver returns r with its secret opened; plain reports a secret
// stored in clear (a row from before sealing).
func (s *Store) openReceiver(r depc.AlertReceiver) (out depc.AlertReceiver, plain, oldKey bool, err error) {
	if r.Secret == "" {
		return r, false, false, nil
	}
	id, ok := IsSealed(r.Secret)
	if !ok {
		return r, true, false, nil
	}
	b, err := s.keys.Open(r.Secret)
	if errors.Is(err, ErrUnknownKey) {
		return r, false, false, depc.WrapError(depc.EINTERNAL, err, "alert receiver %q: its secret was sealed with key %s, which this server does not have: every process sharing the state store needs the same DEPC_SECRET_KEY (or data_dir/secret.key)", r.Name, id)
	}
	if err != nil {
		return r, false, false, depc.WrapError(depc.EINTERNAL, err, "alert receiver %q: its secret: %v", r.Name, err)
	}
	r.Secret = string(b)
	return r, false, id != s.keys.Current(), nil
}

// SetAlertReceiver creates or replaces a receiver, its secret sealed.
func (s *Store) SetAlertReceiver(ctx context.Context, team string, r depc.AlertReceiver) (depc.AlertReceiver, error) {
	if _, err := s.StateStore.Team(ctx, team); err != nil {
		return depc.AlertReceiver{}, err
	}
	if err := r.Validate(); err != nil {
		return depc.AlertReceiver{}, err
	}
	sealed, err := s.sealReceiver(r)
	if err != nil {
		return depc.AlertReceiver{}, err
	}
	if _, err := s.StateStore.SetAlertReceiver(ctx, team, sealed); err != nil {
		return depc.AlertReceiver{}, err
	}
	return r, nil
}

// AlertReceiver returns a receiver with its secret opened.
func (s *Store) AlertReceiver(ctx context.Context, team, name string) (depc.AlertReceiver, error) {
	r, err := s.StateStore.AlertReceiver(ctx, team, name)
	if err != nil {
		return depc.AlertReceiver{}, err
	}
	r, _, _, err = s.openReceiver(r)
	return r, err
}

// AlertReceivers returns the team's receivers with their secrets opened.
func (s *Store) AlertReceivers(ctx context.Context, team string) ([]depc.AlertReceiver, error) {
	rs, err := s.StateStore.AlertReceivers(ctx, team)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i], _, _, err = s.openReceiver(rs[i]); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// ClaimAlertDeliveries claims deliveries, their receivers' secrets
// opened. A secret that cannot be opened fails the claim: the deliveries
// stay held until their lease ends, and the error names the receiver.
func (s *Store) ClaimAlertDeliveries(ctx context.Context, owner string, now, lease int64, limit int) ([]depc.ClaimedDelivery, error) {
	cs, err := s.StateStore.ClaimAlertDeliveries(ctx, owner, now, lease, limit)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].Receiver, _, _, err = s.openReceiver(cs[i].Receiver); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// receiverTodo is a receiver Reseal writes again.
type receiverTodo struct {
	team string
	r    depc.AlertReceiver
}

// planReceivers is Reseal's first pass over alert receivers: it opens
// every one (an unknown key stops it before any write) and returns those
// in clear or, with all, sealed with another key.
func (s *Store) planReceivers(ctx context.Context, teams []depc.Team, all bool, rep *Report) ([]receiverTodo, error) {
	var work []receiverTodo
	for _, t := range teams {
		rs, err := s.StateStore.AlertReceivers(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			rep.Receivers++
			opened, plain, oldKey, err := s.openReceiver(r)
			if err != nil {
				return nil, err
			}
			if plain {
				rep.Plain++
			}
			if plain || (all && oldKey) {
				work = append(work, receiverTodo{t.Name, opened})
			}
		}
	}
	return work, nil
}

// writeReceivers seals and writes again what planReceivers found.
func (s *Store) writeReceivers(ctx context.Context, work []receiverTodo, rep *Report) error {
	for _, w := range work {
		sealed, err := s.sealReceiver(w.r)
		if err != nil {
			return err
		}
		if _, err := s.StateStore.SetAlertReceiver(ctx, w.team, sealed); err != nil {
			return err
		}
		rep.ReceiversResealed++
	}
	return nil
}
