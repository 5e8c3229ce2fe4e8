package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"

	"github.com/depc-dev/depc"
)

const sqlAnnotationColumns = `SELECT id, label, name, from_at, to_at, text, author, created_at, updated_by, updated_at FROM annotation `

func scanAnnotation(sc interface{ Scan(...any) error }) (depc.Annotation, error) {
	var a depc.Annotation
	err := sc.Scan(&a.ID, &a.Label, &a.Name, &a.From, &a.To, &a.Text, &a.Author, &a.CreatedAt, &a.UpdatedBy, &a.UpdatedAt)
	return a, err
}

// CreateAnnotation records a new annotation.
func (s *Store) CreateAnnotation(ctx context.Context, team string, a depc.Annotation) (depc.Annotation, error) {
	now := s.unix()
	a.ID, a.CreatedAt, a.UpdatedBy, a.UpdatedAt = 0, now, "", now
	err := s.write(ctx, "create annotation", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := a.Validate(); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO annotation (team_id, label, name, from_at, to_at, text, author, created_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?) RETURNING id`,
			tid, a.Label, a.Name, a.From, a.To, a.Text, a.Author, a.CreatedAt, a.UpdatedAt).Scan(&a.ID)
	})
	if err != nil {
		return depc.Annotation{}, err
	}
	return a, nil
}

// annotation reads one annotation of the team in tx.
func annotation(ctx context.Context, tx *sql.Tx, tid, id int64) (depc.Annotation, error) {
	a, err := scanAnnotation(tx.QueryRowContext(ctx, sqlAnnotationColumns+`WHERE team_id = ? AND id = ?`, tid, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, depc.NotFoundAnnotation(id)
	}
	return a, err
}

// Annotation returns one annotation.
func (s *Store) Annotation(ctx context.Context, team string, id int64) (depc.Annotation, error) {
	var a depc.Annotation
	err := s.read(ctx, "annotation", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		a, err = annotation(ctx, tx, tid, id)
		return err
	})
	return a, err
}

// UpdateAnnotation changes an annotation, keeping its author.
func (s *Store) UpdateAnnotation(ctx context.Context, team string, a depc.Annotation) (depc.Annotation, error) {
	var out depc.Annotation
	err := s.write(ctx, "update annotation", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		old, err := annotation(ctx, tx, tid, a.ID)
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
		_, err = tx.ExecContext(ctx, `UPDATE annotation SET label = ?, name = ?, from_at = ?, to_at = ?, text = ?, updated_by = ?, updated_at = ?
			WHERE team_id = ? AND id = ?`, out.Label, out.Name, out.From, out.To, out.Text, out.UpdatedBy, out.UpdatedAt, tid, out.ID)
		return err
	})
	if err != nil {
		return depc.Annotation{}, err
	}
	return out, nil
}

// DeleteAnnotation removes an annotation.
func (s *Store) DeleteAnnotation(ctx context.Context, team string, id int64) error {
	return s.write(ctx, "delete annotation", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM annotation WHERE team_id = ? AND id = ?`, tid, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return depc.NotFoundAnnotation(id)
		}
		return nil
	})
}

// Annotations returns the team's annotations the filter selects.
func (s *Store) Annotations(ctx context.Context, team string, f depc.AnnotationFilter) ([]depc.Annotation, error) {
	var as []depc.Annotation
	err := s.read(ctx, "annotations", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := f.Validate(); err != nil {
			return err
		}
		// A range is at most MaxAnnotationSpan long, so the notes that
		// meet the window start in [from − span, to): one index range.
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if f.To > f.From {
			lo, hi = f.From-depc.MaxAnnotationSpan, f.To
		}
		rows, err := tx.QueryContext(ctx, sqlAnnotationColumns+`WHERE team_id = ? AND from_at >= ? AND from_at < ? ORDER BY from_at, to_at, id`, tid, lo, hi)
		if err != nil {
			return err
		}
		defer rows.Close()
		match := f.Matcher()
		for rows.Next() {
			a, err := scanAnnotation(rows)
			if err != nil {
				return err
			}
			if f.Overlaps(a) && match(a) {
				as = append(as, a)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return depc.SelectAnnotations(as, f), nil
}
