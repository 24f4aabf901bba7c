# trackio-server as a Docker image, e.g. for a Hugging Face Space (sdk: docker, app_port: 7860).
# Everything is built here; at run time the container only starts the single binary.

FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY tsconfig.json build.ts ./
COPY src ./src
RUN bun run build

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 trackio \
 && mkdir -p /data/trackio \
 && chown -R trackio /data
COPY --from=build /src/dist/trackio /usr/local/bin/trackio
USER trackio
# A Space sets SYSTEM=spaces, SPACE_AUTHOR_NAME, SPACE_REPO_NAME and SPACE_HOST itself; /data is its
# persistent storage when enabled (otherwise the data lives as long as the container).
ENV TRACKIO_DIR=/data/trackio \
    GRADIO_MCP_SERVER=True
EXPOSE 7860
CMD ["trackio", "show", "--port", "7860"]
