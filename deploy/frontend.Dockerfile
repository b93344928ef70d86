# syntax=docker/dockerfile:1
# Front-end image: the Next.js static export (frontend/out) served by
# nginx-unprivileged (uid 101, port 8080). The pages call the APIs on the same
# origin (/api/chatkit, /api/v1), which the Ingress routes to the services.
# Build from the repository root:
#   docker build -f deploy/frontend.Dockerfile -t taskpilot-frontend .
# Runs with a read-only root file system: nginx writes only its pid file and
# temp files, all under /tmp (an emptyDir in the chart).

FROM node:22-bookworm-slim AS build
WORKDIR /src/frontend
ENV NEXT_TELEMETRY_DISABLED=1 CI=true
COPY frontend/package.json frontend/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY frontend/ ./
# The pages' build-time settings (frontend/lib/public-env.ts). The API URL
# stays empty: the pages call their own origin, which the Ingress routes.
# A public host needs its ChatKit domain key for the official UI:
#   docker build --build-arg NEXT_PUBLIC_CHATKIT_DOMAIN_KEY=domain_pk_... (or
#   skaffold's docker.buildArgs).
ARG NEXT_PUBLIC_API_URL=""
ARG NEXT_PUBLIC_CHATKIT_DOMAIN_KEY=""
ARG NEXT_PUBLIC_CHATKIT_UI=""
ARG NEXT_PUBLIC_CHATKIT_LOAD_TIMEOUT_MS=""
ENV NEXT_PUBLIC_API_URL=${NEXT_PUBLIC_API_URL} \
    NEXT_PUBLIC_CHATKIT_DOMAIN_KEY=${NEXT_PUBLIC_CHATKIT_DOMAIN_KEY} \
    NEXT_PUBLIC_CHATKIT_UI=${NEXT_PUBLIC_CHATKIT_UI} \
    NEXT_PUBLIC_CHATKIT_LOAD_TIMEOUT_MS=${NEXT_PUBLIC_CHATKIT_LOAD_TIMEOUT_MS}
# The Content-Security-Policy of this build (hashes of its inline scripts).
RUN npm run build && node scripts/csp.mjs out && test -f out/index.html

FROM nginxinc/nginx-unprivileged:1.29-alpine
COPY deploy/frontend/nginx.conf /etc/nginx/nginx.conf
COPY --from=build /src/frontend/out/csp-nginx.conf /etc/nginx/csp.conf
COPY --from=build /src/frontend/out /usr/share/nginx/html
USER 101
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]
