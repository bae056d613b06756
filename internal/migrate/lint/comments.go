package lint

import "strings"

// span is a byte range [start, end) of a file.
type span struct{ start, end int }

// findComments returns where the comments of text are without PostgreSQL's
// scanner, which costs a sixth of linting a file. It follows only what it can
// follow exactly: quoted strings and identifiers (a doubled quote inside),
// -- comments and nested /* */ comments. When text holds a dollar sign (a
// dollar quote may hide anything) or a backslash (the escapes of an E-string),
// or does not end cleanly, ok is false and the scanner must be asked.
func findComments(text string) (cs []span, ok bool) {
	if strings.ContainsAny(text, "$\\") {
		return nil, false
	}
	for i := 0; i < len(text); {
		switch c := text[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for {
				k := strings.IndexByte(text[j:], c)
				if k < 0 {
					return nil, false
				}
				j += k + 1
				if j < len(text) && text[j] == c {
					j++
					continue
				}
				break
			}
			i = j
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			end := len(text)
			if k := strings.IndexAny(text[i:], "\r\n"); k >= 0 {
				end = i + k
			}
			cs = append(cs, span{i, end})
			i = end
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			depth, j := 1, i+2
			for depth > 0 {
				switch {
				case j+1 >= len(text):
					return nil, false
				case text[j] == '/' && text[j+1] == '*':
					depth, j = depth+1, j+2
				case text[j] == '*' && text[j+1] == '/':
					depth, j = depth-1, j+2
				default:
					j++
				}
			}
			cs = append(cs, span{i, j})
			i = j
		default:
			i++
		}
	}
	return cs, true
}

// trimStatement narrows [from, to) to the statement's first and last
// tokens, skipping whitespace and the comments cs (in order) at both ends.
func trimStatement(text string, from, to int, cs []span) (start, end int) {
	start, end = from, to
	for k := 0; start < end; {
		for start < end && strings.IndexByte(sqlSpace, text[start]) >= 0 {
			start++
		}
		for k < len(cs) && cs[k].start < start {
			k++
		}
		if k == len(cs) || cs[k].start != start {
			break
		}
		start = cs[k].end
	}
	for k := len(cs) - 1; end > start; {
		for end > start && strings.IndexByte(sqlSpace, text[end-1]) >= 0 {
			end--
		}
		for k >= 0 && cs[k].start >= end {
			k--
		}
		// A -- comment's span takes in trailing blanks, so end may fall inside it.
		if k < 0 || cs[k].end < end || cs[k].start < start {
			break
		}
		end = cs[k].start
	}
	return start, end
}
