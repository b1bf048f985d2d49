# hummingbot-api with the Backpack connectors: the API runs trading connectors, market-data connectors and
# executors inside its own process, so the plugin goes into the API image's conda env `hummingbot-api`.
#
#   docker build -f docker/api.Dockerfile --build-arg API_IMAGE=hummingbot/hummingbot-api:latest \
#       -t mynamespace/hummingbot-api:backpack .          # from this repository's root
#
# The API pip-installs the newest Hummingbot itself; the plugin is installed with --no-deps, so that Hummingbot
# and its dependencies stay exactly as the API image has them. Bots the API deploys run in containers of a bot
# image: build one with docker/Dockerfile and pick it in the API (its name must match `.+/hummingbot:`).
# Our scripts and controllers into the API's bots/ folder (mounted from the host):
#   docker exec hummingbot-api python -m hummingbot_backpack.install_files --target /hummingbot-api/bots
ARG API_IMAGE=hummingbot/hummingbot-api:latest
FROM ${API_IMAGE}

ARG PLUGIN_VERSION=0.2.0
LABEL org.opencontainers.image.title="hummingbot-api with hummingbot-backpack" \
      hummingbot-backpack.version="${PLUGIN_VERSION}"

COPY setup.py hummingbot_backpack.pth /tmp/hummingbot-backpack/
COPY hummingbot/ /tmp/hummingbot-backpack/hummingbot/
COPY hummingbot_backpack/ /tmp/hummingbot-backpack/hummingbot_backpack/
COPY backpack_emulator/ /tmp/hummingbot-backpack/backpack_emulator/
COPY scripts/ /tmp/hummingbot-backpack/scripts/
COPY controllers/ /tmp/hummingbot-backpack/controllers/
COPY conf/controllers/ /tmp/hummingbot-backpack/conf/controllers/
COPY conf/scripts/ /tmp/hummingbot-backpack/conf/scripts/
RUN cd /tmp/hummingbot-backpack \
    && /opt/conda/envs/hummingbot-api/bin/python -m pip install --no-deps --no-cache-dir . \
    && cd / && rm -rf /tmp/hummingbot-backpack \
    && /opt/conda/envs/hummingbot-api/bin/python -c "import hummingbot_backpack.import_hook as h; assert h.current_finder()"
