"""The program: the `liaison-bot` command line, the running bot (composition and start-up) and
`doctor`. It sits above every capability's chat handlers and services, and nothing below
imports it."""
