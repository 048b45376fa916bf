# Settings shared by the four scripts (sourced, not run). Nothing here is
# specific to lowcloud: the region comes from the AWS CLI's own settings.
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null || true)}}
REGION=${REGION:-us-east-1}
ROLE_NAME=watches-lambda-role
TABLE_NAME=project1
STAGE=v2
API_SPEC=info_openapi_v2.yaml
# function name:handler
FUNCTIONS="watches-read:server.read watches-create:server.create"
