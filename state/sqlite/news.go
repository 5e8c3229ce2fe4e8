package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/depc-dev/depc"
)

const newsCols = `SELECT id, title, text, author, created_at, updated_at FROM news `

// CreateNews saves new news.
func (s *Store) CreateNews(ctx context.Context, n depc.News) (depc.News, error) {
	if err := n.Validate(); err != nil {
		return depc.News{}, err
	}
	n.CreatedAt = s.unix()
	n.UpdatedAt = n.CreatedAt
	err := s.write(ctx, "create news", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO news (title, text, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			n.Title, n.Text, n.Author, n.CreatedAt, n.UpdatedAt).Scan(&n.ID)
	})
	if err != nil {
		return depc.News{}, err
	}
	return n, nil
}

// News returns one.
func (s *Store) News(ctx context.Context, id int64) (depc.News, error) {
	var n depc.News
	err := s.read(ctx, "news", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, newsCols+`WHERE id = ?`, id).Scan(&n.ID, &n.Title, &n.Text, &n.Author, &n.CreatedAt, &n.UpdatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return depc.NotFoundNews(id)
		}
		return err
	})
	return n, err
}

// ListNews returns the newest news first.
func (s *Store) ListNews(ctx context.Context, limit int) ([]depc.News, error) {
	out := []depc.News{}
	err := s.read(ctx, "list news", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, newsCols+`ORDER BY id DESC LIMIT ?`, depc.NewsLimit(limit))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n depc.News
			if err := rows.Scan(&n.ID, &n.Title, &n.Text, &n.Author, &n.CreatedAt, &n.UpdatedAt); err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateNews changes the title and text of news.
func (s *Store) UpdateNews(ctx context.Context, n depc.News) (depc.News, error) {
	if n.Author == "" {
		n.Author = "-" // the author stays; Validate wants one
	}
	if err := n.Validate(); err != nil {
		return depc.News{}, err
	}
	var out depc.News
	err := s.write(ctx, "update news", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE news SET title = ?, text = ?, updated_at = ? WHERE id = ?
			RETURNING id, title, text, author, created_at, updated_at`, n.Title, n.Text, s.unix(), n.ID).
			Scan(&out.ID, &out.Title, &out.Text, &out.Author, &out.CreatedAt, &out.UpdatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return depc.NotFoundNews(n.ID)
		}
		return err
	})
	return out, err
}

// DeleteNews deletes news.
func (s *Store) DeleteNews(ctx context.Context, id int64) error {
	return s.write(ctx, "delete news", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM news WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return depc.NotFoundNews(id)
		}
		return nil
	})
}
