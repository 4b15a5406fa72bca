"""`python -m vulndesk`: the same command as `vulndesk`."""

from vulndesk.entrypoints.cli.main import run

if __name__ == "__main__":
    run()
