package config

import "testing"

func TestBuffering(t *testing.T) {
	off := false
	tests := []struct {
		name             string
		c                Config
		wantReq, wantRes bool
		wantMax          int64
	}{
		{"defaults", Config{}, true, true, DefaultMaxBody},
		{"requests off", Config{BufferRequests: &off}, false, true, DefaultMaxBody},
		{"responses off", Config{BufferResponses: &off, MaxBody: "10MiB"}, true, false, 10 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, res, max := tt.c.Buffering()
			if req != tt.wantReq || res != tt.wantRes || max != tt.wantMax {
				t.Errorf("got %v %v %d, want %v %v %d", req, res, max, tt.wantReq, tt.wantRes, tt.wantMax)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"", DefaultMaxBody, true},
		{"100MiB", 100 << 20, true},
		{"512K", 512 << 10, true},
		{"2 GB", 2e9, true},
		{"1048576", 1 << 20, true},
		{"0", 0, false},
		{"-1K", 0, false},
		{"ten MB", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestMergeBuffering(t *testing.T) {
	off := false
	c := Defaults().Merge(Config{BufferResponses: &off, MaxBody: "1MiB"})
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if req, res, max := c.Buffering(); !req || res || max != 1<<20 {
		t.Errorf("got %v %v %d, want true false %d", req, res, max, 1<<20)
	}
	if err := Defaults().Merge(Config{MaxBody: "lots"}).Validate(); err == nil {
		t.Error("max_body = \"lots\" validated, want an error")
	}
}

func TestMaxBufferedResponse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"", 0, false},
		{"48MiB", 48 << 20, false},
		{"4194304", 4 << 20, false},
		{"0", 0, true},
		{"big", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c := Defaults().Merge(Config{MaxBufferedResponse: tt.in})
			err := c.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate: got %v, want an error: %v", err, tt.wantErr)
			}
			if err == nil && c.MaxBufferedResponseBytes() != tt.want {
				t.Errorf("got %d bytes, want %d", c.MaxBufferedResponseBytes(), tt.want)
			}
		})
	}
}
