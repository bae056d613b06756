package daemon

import (
	"net"
	"strings"
	"testing"
)

// TestAppListeners: an app's own socket is opened once and found again; another app asking for the
// same address is refused, naming the app that has it; handover names each socket.
func TestAppListeners(t *testing.T) {
	var l appListeners
	defer l.close()
	addr := "127.0.0.1:0"
	sh, err := l.get("api", addr)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := l.get("api", addr); err != nil || again != sh {
		t.Fatalf("asked again: %v, %v", again, err)
	}
	if _, err := l.get("blog", addr); err == nil || !strings.Contains(err.Error(), "app api's socket") {
		t.Fatalf("another app: %v", err)
	}
	c, err := net.Dial("tcp", sh.Addr().String())
	if err != nil {
		t.Fatalf("the socket does not listen: %v", err)
	}
	c.Close()
	files, owners := l.handover()
	if len(files) != 1 || files[0].Name != "listen:"+addr || owners[addr] != "api" {
		t.Fatalf("handover: %v, %v", files, owners)
	}
}
