package outbound

import "net/netip"

// RefuseForTest adds a range to those the Guard refuses: tests refuse
// loopback to see the dial-time check on a name that resolves there.
func (g *Guard) RefuseForTest(prefix string) {
	g.refused = append(append([]refusal{}, g.refused...), refusal{netip.MustParsePrefix(prefix), "refused by the test"})
}
