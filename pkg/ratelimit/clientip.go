package ratelimit

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// TrustedProxies is the set of networks (TRUSTED_PROXIES) whose
// X-Forwarded-For is believed: the ingress controller, a load balancer.
type TrustedProxies struct {
	prefixes []netip.Prefix
}

// ParseTrustedProxies reads CIDRs ("10.0.0.0/8") or single addresses.
func ParseTrustedProxies(list []string) (*TrustedProxies, error) {
	t := &TrustedProxies{}
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR or an IP address", s)
			}
			t.prefixes = append(t.prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR or an IP address", s)
		}
		t.prefixes = append(t.prefixes, p.Masked())
	}
	return t, nil
}

func (t *TrustedProxies) trusts(a netip.Addr) bool {
	if t == nil {
		return false
	}
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// FromFiber is ClientIP for a Fiber request: its connection's peer and its
// X-Forwarded-For lines.
func (t *TrustedProxies) FromFiber(c *fiber.Ctx) netip.Addr {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	var xff []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		xff = append(xff, string(v))
	}
	return t.ClientIP(peer, xff)
}

// ClientIP returns the address a request came from: the connection's peer,
// unless the peer is a trusted proxy, in which case X-Forwarded-For is
// walked from the right (the hop the proxy added) past every trusted
// address, and the first untrusted one is the client. Entries left of it
// were written by the client and are ignored, so a spoofed header from an
// untrusted peer (or an extra entry a client prepends) changes nothing.
// Hand-written because Fiber v2's c.IP()/c.IPs() take the leftmost entry,
// which the client controls.
func (t *TrustedProxies) ClientIP(peer netip.Addr, xff []string) netip.Addr {
	peer = peer.Unmap()
	if !t.trusts(peer) {
		return peer
	}
	client := peer
	for i := len(xff) - 1; i >= 0; i-- {
		hops := strings.Split(xff[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[j]))
			if err != nil {
				return client // a malformed hop: trust nothing left of it
			}
			a = a.Unmap()
			client = a
			if !t.trusts(a) {
				return a
			}
		}
	}
	return client
}
