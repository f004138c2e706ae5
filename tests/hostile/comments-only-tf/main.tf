# TODO: write the VPC
// and the subnets
/* later */
