package qos_test

import (
	"math"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
)

func TestParseThreshold(t *testing.T) {
	inf := math.Inf(-1)
	for _, c := range []struct {
		in      string
		want    qos.Bound
		wantErr string
	}{
		{"20", qos.Bound{Lo: inf, Hi: 20}, ""},
		{"-3.5", qos.Bound{Lo: inf, Hi: -3.5}, ""},
		{"+7", qos.Bound{Lo: inf, Hi: 7}, ""},
		{"0", qos.Bound{Lo: inf, Hi: 0}, ""},
		{".5", qos.Bound{Lo: inf, Hi: 0.5}, ""},
		{"5.", qos.Bound{Lo: inf, Hi: 5}, ""},
		{"1e3", qos.Bound{Lo: inf, Hi: 1000}, ""},
		{"2.5E-2", qos.Bound{Lo: inf, Hi: 0.025}, ""},
		{" 20 ", qos.Bound{Lo: inf, Hi: 20}, ""},
		{"", qos.Bound{}, `threshold "": not a decimal number`},
		{"abc", qos.Bound{}, `threshold "abc": not a decimal number`},
		{"20%", qos.Bound{}, "not a decimal number"},
		{"inf", qos.Bound{}, "not a decimal number"},
		{"NaN", qos.Bound{}, "not a decimal number"},
		{"0x10", qos.Bound{}, "not a decimal number"},
		{"1_000", qos.Bound{}, "not a decimal number"},
		{"1e", qos.Bound{}, "not a decimal number"},
		{"-", qos.Bound{}, "not a decimal number"},
		{".", qos.Bound{}, "not a decimal number"},
		{"1 2", qos.Bound{}, "not a decimal number"},
		{"200:299", qos.Bound{}, "not a decimal number"},
		{"1e400", qos.Bound{}, `threshold "1e400": out of range`},
	} {
		got, err := qos.ParseThreshold(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseThreshold(%q) error = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseThreshold(%q) = %v, %v, want %v", c.in, got, err, c.want)
		}
	}
}

func TestParseInterval(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    qos.Bound
		wantErr string
	}{
		{"200:299", qos.Bound{Lo: 200, Hi: 299}, ""},
		{"-10:-5", qos.Bound{Lo: -10, Hi: -5}, ""},
		{"5:5", qos.Bound{Lo: 5, Hi: 5}, ""},
		{" 0.5 : 1e2 ", qos.Bound{Lo: 0.5, Hi: 100}, ""},
		{"5:3", qos.Bound{}, `interval "5:3": the lower bound is above the upper bound`},
		{"20", qos.Bound{}, `interval "20": want two decimal numbers A:B`},
		{":5", qos.Bound{}, `interval ":5": lower bound: not a decimal number`},
		{"5:", qos.Bound{}, `interval "5:": upper bound: not a decimal number`},
		{"1:2:3", qos.Bound{}, "upper bound: not a decimal number"},
		{"a:b", qos.Bound{}, "lower bound: not a decimal number"},
		{"-inf:5", qos.Bound{}, "lower bound: not a decimal number"},
		{"0:1e999", qos.Bound{}, "upper bound: out of range"},
	} {
		got, err := qos.ParseInterval(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseInterval(%q) error = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseInterval(%q) = %v, %v, want %v", c.in, got, err, c.want)
		}
	}
}

func TestBoundState(t *testing.T) {
	th, _ := qos.ParseThreshold("20")
	iv, _ := qos.ParseInterval("200:299")
	for _, c := range []struct {
		b    qos.Bound
		v    float64
		want qos.State
	}{
		{th, 20, qos.OK}, {th, 20.0000001, qos.KO}, {th, -1e308, qos.OK}, {th, math.Inf(-1), qos.OK},
		{th, math.Inf(1), qos.KO}, {th, math.NaN(), qos.KO},
		{iv, 200, qos.OK}, {iv, 299, qos.OK}, {iv, 199.999, qos.KO}, {iv, 300, qos.KO}, {iv, math.NaN(), qos.KO},
	} {
		if got := c.b.State(c.v); got != c.want {
			t.Errorf("%v.State(%v) = %v, want %v", c.b, c.v, got, c.want)
		}
	}
}
