// Package ui embeds the built web app.
package ui
