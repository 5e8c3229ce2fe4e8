package postgres

import (
	"context"
	"errors"
	"math"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

const sqlAnnotationColumns = `SELECT id, label, name, from_at, to_at, text, author, created_at, updated_by, updated_at FROM annotation `

func scanAnnotation(row pgx.CollectableRow) (depc.Annotation, error) {
	var a depc.Annotation
	err := row.Scan(&a.ID, &a.Label, &a.Name, &a.From, &a.To, &a.Text, &a.Author, &a.CreatedAt, &a.UpdatedBy, &a.UpdatedAt)
	return a, err
}

// Annotation writes take the team's row FOR KEY SHARE (lockTeamResult):
// they wait for a DeleteTeam in progress, not for the team's other
// writes; ids come from the identity, not max + 1.

// CreateAnnotation records a new annotation.
func (s *Store) CreateAnnotation(ctx context.Context, team string, a depc.Annotation) (depc.Annotation, error) {
	now := s.unix()
	a.ID, a.CreatedAt, a.UpdatedBy, a.UpdatedAt = 0, now, "", now
	err := s.write(ctx, "create annotation", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamResult)
		if err != nil {
			return err
		}
		if err := a.Validate(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO annotation (team_id, label, name, from_at, to_at, text, author, created_at, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9) RETURNING id`,
			tid, a.Label, a.Name, a.From, a.To, a.Text, a.Author, a.CreatedAt, a.UpdatedAt).Scan(&a.ID)
	})
	if err != nil {
		return depc.Annotation{}, err
	}
	return a, nil
}

// annotation reads one annotation of the team in tx (lock: "" or a
// row lock clause).
func annotation(ctx context.Context, tx pgx.Tx, tid, id int64, lock string) (depc.Annotation, error) {
	rows, _ := tx.Query(ctx, sqlAnnotationColumns+`WHERE team_id = $1 AND id = $2 `+lock, tid, id)
	a, err := pgx.CollectExactlyOneRow(rows, scanAnnotation)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, depc.NotFoundAnnotation(id)
	}
	return a, err
}

// Annotation returns one annotation.
func (s *Store) Annotation(ctx context.Context, team string, id int64) (depc.Annotation, error) {
	as, err := list(ctx, s, "annotation", sqlAnnotationColumns+`WHERE team_id = (SELECT id FROM team WHERE name = $1) AND id = $2`, []any{team, id}, scanAnnotation)
	if err != nil {
		return depc.Annotation{}, err
	}
	if len(as) == 0 {
		return depc.Annotation{}, s.teamFirst(ctx, team, depc.NotFoundAnnotation(id))
	}
	return as[0], nil
}

// UpdateAnnotation changes an annotation, keeping its author.
func (s *Store) UpdateAnnotation(ctx context.Context, team string, a depc.Annotation) (depc.Annotation, error) {
	var out depc.Annotation
	err := s.write(ctx, "update annotation", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamResult)
		if err != nil {
			return err
		}
		old, err := annotation(ctx, tx, tid, a.ID, "FOR UPDATE")
		if err != nil {
			return err
		}
		out = old
		out.Label, out.Name, out.From, out.To, out.Text = a.Label, a.Name, a.From, a.To, a.Text
		out.UpdatedBy, out.UpdatedAt = a.UpdatedBy, s.unix()
		if err := out.Validate(); err != nil {
			return err
		}
		if err := depc.CheckUser("updated_by", out.UpdatedBy); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE annotation SET label = $1, name = $2, from_at = $3, to_at = $4, text = $5, updated_by = $6, updated_at = $7
			WHERE team_id = $8 AND id = $9`, out.Label, out.Name, out.From, out.To, out.Text, out.UpdatedBy, out.UpdatedAt, tid, out.ID)
		return err
	})
	if err != nil {
		return depc.Annotation{}, err
	}
	return out, nil
}

// DeleteAnnotation removes an annotation.
func (s *Store) DeleteAnnotation(ctx context.Context, team string, id int64) error {
	return s.write(ctx, "delete annotation", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamResult)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM annotation WHERE team_id = $1 AND id = $2`, tid, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.NotFoundAnnotation(id)
		}
		return nil
	})
}

// Annotations returns the team's annotations the filter selects.
func (s *Store) Annotations(ctx context.Context, team string, f depc.AnnotationFilter) ([]depc.Annotation, error) {
	if err := f.Validate(); err != nil {
		return nil, s.teamFirst(ctx, team, err)
	}
	// A range is at most MaxAnnotationSpan long, so the notes that meet
	// the window start in [from − span, to): one index range.
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if f.To > f.From {
		lo, hi = f.From-depc.MaxAnnotationSpan, f.To
	}
	as, err := teamList(ctx, s, "annotations", team, sqlAnnotationColumns+`WHERE team_id = (SELECT id FROM team WHERE name = $1)
		AND from_at >= $2 AND from_at < $3 ORDER BY from_at, to_at, id`, []any{team, lo, hi}, scanAnnotation)
	if err != nil {
		return nil, err
	}
	return depc.SelectAnnotations(as, f), nil
}
