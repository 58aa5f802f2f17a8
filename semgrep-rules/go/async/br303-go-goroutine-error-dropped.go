package jobs

import (
	"context"
	"log"
	"os"

	"golang.org/x/sync/errgroup"
)

func Notify(users []string) {
	go func() {
		for _, u := range users {
			// ruleid: br303-go-goroutine-error-dropped
			_ = send(u)
		}
	}()
}

func Cleanup(path string) {
	go func(p string) {
		// ruleid: br303-go-goroutine-error-dropped
		if err := os.Remove(p); err != nil {
		}
	}(path)
}

func Fetch(ctx context.Context, urls []string) {
	g, ctx := errgroup.WithContext(ctx)
	for _, u := range urls {
		u := u
		// ruleid: br303-go-goroutine-error-dropped
		g.Go(func() error { return get(ctx, u) })
	}
}

func FetchIgnoringWait(ctx context.Context, urls []string) {
	var g errgroup.Group
	for _, u := range urls {
		u := u
		g.Go(func() error { return get(ctx, u) })
	}
	// ruleid: br303-go-goroutine-error-dropped
	_ = g.Wait()
}

// ---------------------------------------------------------------- negatives

func NotifyLogged(users []string) {
	go func() {
		for _, u := range users {
			// ok: br303-go-goroutine-error-dropped
			if err := send(u); err != nil {
				log.Printf("notify %s: %v", u, err)
			}
		}
	}()
}

func FetchChecked(ctx context.Context, urls []string) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, u := range urls {
		u := u
		// ok: br303-go-goroutine-error-dropped
		g.Go(func() error { return get(ctx, u) })
	}
	return g.Wait()
}

func FetchIf(ctx context.Context, urls []string) {
	var g errgroup.Group
	for _, u := range urls {
		u := u
		// ok: br303-go-goroutine-error-dropped
		g.Go(func() error { return get(ctx, u) })
	}
	if err := g.Wait(); err != nil {
		log.Print(err)
	}
}

func Close(f *os.File) {
	go func() {
		// ok: br303-go-goroutine-error-dropped
		_ = f.Close()
	}()
}

func send(u string) error                      { return nil }
func get(ctx context.Context, u string) error { return nil }
