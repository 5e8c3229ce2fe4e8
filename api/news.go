package api

import (
	"net/http"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// The admins' news (the original DepC's): written by admins, read by every
// user; the UI shows the newest as a banner.

type newsRequest struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

func newsID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, depc.Errorf(depc.EINVALID, "id: must be a news number, not %q", c.Param("id"))
	}
	return id, nil
}

func (s *Server) listNews(c echo.Context) error {
	limit, err := queryInt(c, "limit", 10, 1, depc.MaxNewsListed)
	if err != nil {
		return err
	}
	news, err := s.deps.State.ListNews(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, news)
}

func (s *Server) createNews(c echo.Context) error {
	var req newsRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	author := caller(c).User
	if author == "" {
		author = "admin"
	}
	n, err := s.deps.State.CreateNews(c.Request().Context(), depc.News{Title: req.Title, Text: req.Text, Author: author})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, n)
}

func (s *Server) getNews(c echo.Context) error {
	id, err := newsID(c)
	if err != nil {
		return err
	}
	n, err := s.deps.State.News(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func (s *Server) putNews(c echo.Context) error {
	id, err := newsID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// An unknown id is a 404 before the body is looked at.
	if _, err := s.deps.State.News(ctx, id); err != nil {
		return err
	}
	var req newsRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	n, err := s.deps.State.UpdateNews(ctx, depc.News{ID: id, Title: req.Title, Text: req.Text})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func (s *Server) deleteNews(c echo.Context) error {
	id, err := newsID(c)
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteNews(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
