package depc

import (
	"context"
	"strings"
	"unicode/utf8"
)

// News is an announcement of depc's admins to every user (the original
// DepC's news): "upgrade on Saturday", "the nightly run of the 3rd was
// late". The UI shows the newest as a banner.
type News struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Author wrote it; CreatedAt is when, UpdatedAt its last change (Unix
	// seconds; CreatedAt until it is changed). The store sets the times.
	Author    string `json:"author"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
}

// Limits of news.
const (
	MaxNewsTitle = 200
	MaxNewsText  = 4000
	// MaxNewsListed is the most a listing returns.
	MaxNewsListed = 100
)

// Validate checks what a writer gives of news: a title and a text of valid
// UTF-8, not blank, within their limits, and the author. EINVALID names the
// field.
func (n News) Validate() error {
	text := func(field, s string, max int) error {
		if strings.TrimSpace(s) == "" || len(s) > max || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return Errorf(EINVALID, "%s: must be 1 to %d bytes of UTF-8 text, not blank", field, max)
		}
		return nil
	}
	if err := text("title", n.Title, MaxNewsTitle); err != nil {
		return err
	}
	if err := text("text", n.Text, MaxNewsText); err != nil {
		return err
	}
	return text("author", n.Author, 256)
}

// NewsStore keeps the admins' news. The conventions of StateStore hold for
// every method.
type NewsStore interface {
	// CreateNews saves new news (Validate; EINVALID otherwise) and returns
	// it with its ID and times.
	CreateNews(ctx context.Context, n News) (News, error)
	// News returns one. ENOTFOUND if absent.
	News(ctx context.Context, id int64) (News, error)
	// ListNews returns up to limit (at most MaxNewsListed; that many when
	// limit <= 0), newest first.
	ListNews(ctx context.Context, limit int) ([]News, error)
	// UpdateNews changes the title and text of news n.ID (its author and
	// creation stay) and returns it. ENOTFOUND if absent.
	UpdateNews(ctx context.Context, n News) (News, error)
	// DeleteNews deletes it. ENOTFOUND if absent.
	DeleteNews(ctx context.Context, id int64) error
}

// NewsLimit returns the limit a ListNews applies.
func NewsLimit(limit int) int {
	if limit <= 0 || limit > MaxNewsListed {
		return MaxNewsListed
	}
	return limit
}

// NotFoundNews is the ENOTFOUND of news that does not exist.
func NotFoundNews(id int64) error { return Errorf(ENOTFOUND, "news %d not found", id) }
