#!/bin/sh
# The one publishing procedure both CI examples run (GitHub Actions: github-actions.yml,
# GitLab CI: gitlab-ci.yml), kept in one script so that the two cannot drift apart and a test
# (tests/test_deploy.py) runs exactly these steps on a temporary repository.
#
# Copy it into the policy repository as ci/publish.sh. Run from the repository's top folder:
#   BEFORE=<commit before the push> sh ci/publish.sh   on a push: publish, and notify a new release
#   sh ci/publish.sh                                    on the daily schedule: publish only
#
# Environment:
#   POLICY_DEPLOY_REMOTE  remote to push gh-pages to (default origin)
#   POLICY_DEPLOY_BRANCH  branch that serves the site (default gh-pages)
#   BEFORE                the commit the push started from; a release record (changelog/*.yml)
#                         added since then is a new release, whose notice is sent
#   POLICY_SMTP, POLICY_RECIPIENTS, POLICY_JOURNAL   where and to whom notices go; the journal
#                         must be on storage that outlives the CI job (it is the proof of notice)
#   POLICY_SMTP_PASSWORD, POLICY_UNSUBSCRIBE_SECRET  as for `policy notify --send`
#   POLICY_NOTIFY_ARGS    more options for the sending run, e.g. "--starttls --user notices --rate 10/s"
set -eu

remote="${POLICY_DEPLOY_REMOTE:-origin}"
branch="${POLICY_DEPLOY_BRANCH:-gh-pages}"

# 1. check: a broken text or record stops here, before anything is published
policy check

# 2. build: today's statuses (a version takes effect on its date even for readers without JavaScript)
policy build -q

# 3. deploy: one commit on the serving branch, moved in one push; start from the remote's branch
if git ls-remote --exit-code --heads "$remote" "$branch" >/dev/null 2>&1; then
    git fetch -q "$remote" "+refs/heads/$branch:refs/heads/$branch"
fi
policy deploy --branch "$branch" --push "$remote"

# 4. notify: only for a release record this push added (never on the daily run)
if [ -z "${BEFORE:-}" ] || [ "$BEFORE" = "0000000000000000000000000000000000000000" ]; then
    echo "no push range (scheduled run): no notice sent"
    exit 0
fi
new=$(git diff --name-only --diff-filter=A "$BEFORE" HEAD -- 'changelog/*.yml' | sed -n 's|^changelog/\(.*\)\.yml$|\1|p')
if [ -z "$new" ]; then
    echo "no new release since $BEFORE: no notice sent"
    exit 0
fi
if [ -z "${POLICY_SMTP:-}" ] || [ -z "${POLICY_RECIPIENTS:-}" ] || [ -z "${POLICY_JOURNAL:-}" ]; then
    echo "error: new release(s) $new but POLICY_SMTP, POLICY_RECIPIENTS or POLICY_JOURNAL is not set: no notice was sent" >&2
    exit 1
fi
for version in $new; do
    # shellcheck disable=SC2086 # POLICY_NOTIFY_ARGS is a list of options
    policy notify "$version" --send --recipients "$POLICY_RECIPIENTS" --smtp "$POLICY_SMTP" \
        --journal "$POLICY_JOURNAL" ${POLICY_NOTIFY_ARGS:-}
done
