from fastapi import APIRouter

router = APIRouter(prefix="/initiatives", tags=["initiatives"])
