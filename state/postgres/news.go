package postgres

import (
	"context"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

const newsCols = `SELECT id, title, text, author, created_at, updated_at FROM news `

func scanNews(r pgx.CollectableRow) (depc.News, error) {
	var n depc.News
	err := r.Scan(&n.ID, &n.Title, &n.Text, &n.Author, &n.CreatedAt, &n.UpdatedAt)
	return n, err
}

// CreateNews saves new news.
func (s *Store) CreateNews(ctx context.Context, n depc.News) (depc.News, error) {
	if err := n.Validate(); err != nil {
		return depc.News{}, err
	}
	n.CreatedAt = s.unix()
	n.UpdatedAt = n.CreatedAt
	ok, err := s.queryRow(ctx, "create news", `INSERT INTO news (title, text, author, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		[]any{n.Title, n.Text, n.Author, n.CreatedAt}, &n.ID)
	if err != nil {
		return depc.News{}, err
	}
	if !ok {
		return depc.News{}, depc.Errorf(depc.EINTERNAL, "create news: no id returned")
	}
	return n, nil
}

// News returns one.
func (s *Store) News(ctx context.Context, id int64) (depc.News, error) {
	var n depc.News
	ok, err := s.queryRow(ctx, "news", newsCols+`WHERE id = $1`, []any{id}, &n.ID, &n.Title, &n.Text, &n.Author, &n.CreatedAt, &n.UpdatedAt)
	if err != nil {
		return depc.News{}, err
	}
	if !ok {
		return depc.News{}, depc.NotFoundNews(id)
	}
	return n, nil
}

// ListNews returns the newest news first.
func (s *Store) ListNews(ctx context.Context, limit int) ([]depc.News, error) {
	out, err := list(ctx, s, "list news", newsCols+`ORDER BY id DESC LIMIT $1`, []any{depc.NewsLimit(limit)}, scanNews)
	if out == nil && err == nil {
		out = []depc.News{}
	}
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
	ok, err := s.queryRow(ctx, "update news", `UPDATE news SET title = $1, text = $2, updated_at = $3 WHERE id = $4
		RETURNING id, title, text, author, created_at, updated_at`, []any{n.Title, n.Text, s.unix(), n.ID},
		&out.ID, &out.Title, &out.Text, &out.Author, &out.CreatedAt, &out.UpdatedAt)
	if err != nil {
		return depc.News{}, err
	}
	if !ok {
		return depc.News{}, depc.NotFoundNews(n.ID)
	}
	return out, nil
}

// DeleteNews deletes news.
func (s *Store) DeleteNews(ctx context.Context, id int64) error {
	return s.write(ctx, "delete news", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM news WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.NotFoundNews(id)
		}
		return nil
	})
}
