"""The application, composed on top of core and the feature packages: the web app, the CLI, the demo."""
