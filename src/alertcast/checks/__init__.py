"""Content read and checked: loading runs every cross-file rule, and some rules render what they
measure (post lengths, sanitized HTML, the search entry of a page), so this sits above render/."""
