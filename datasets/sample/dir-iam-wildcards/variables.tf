variable "primary_region" {
  description = "Region where the deployment pipeline runs."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Region that receives replicated deployments."
  type        = string
  default     = "us-west-2"
}

variable "project" {
  description = "Project name used in resource names."
  type        = string
  default     = "release-bot"
}

variable "lambda_runtime" {
  description = "Runtime of the deployment notifier function."
  type        = string
  default     = "python3.12"
}

variable "lambda_package" {
  description = "Path to the zipped notifier code."
  type        = string
  default     = "build/notifier.zip"
}
